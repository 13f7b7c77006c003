import { beforeAll, describe, expect, it } from 'vitest';

import { resumeSweepHandler } from '../../src/functions/resumeSweep';
import { sweepJobHandler } from '../../src/functions/sweepJob';
import { createQueueClient, MessageQueue } from '../../src/storage/messageQueue';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { appFor, azuriteConnectionString, freshTable, uniqueId } from '../support/storage';
import { messagesOn, queueContext, runSweeps, until, visibleMessages } from '../support/sweeps';

let table: FixtureTable;

beforeAll(async () => {
  ({ table } = await freshTable());
});

/** A job left terminating by a call that is gone, with the tasks its sweep must end. */
async function terminatingJob(): Promise<string> {
  const jobId = uniqueId('queued');
  await table.loadJob(aJob({ id: jobId, state: 'terminating', termination_reason: 'Gone' }), [
    aRunningTask({ id: 'r1', job_id: jobId }),
    aRunningTask({ id: 'r2', job_id: jobId }),
    aFailedTask({ id: 'f1', job_id: jobId }),
  ]);
  return jobId;
}

describe('the sweep queue trigger', () => {
  it('sweeps the job the message names to completion, and logs one line with what it did', async () => {
    const jobId = await terminatingJob();
    const app = await appFor(table);
    const logs: string[] = [];
    await sweepJobHandler({ ...app, sweep: { ...app.sweep, pageSize: 2 } })({ job_id: jobId }, queueContext('m-1', 1, logs));
    expect((await table.readJob(jobId))?.job).toMatchObject({ state: 'completed', termination_reason: 'Gone', termination: { tasks_swept: 3 } });
    expect(logs).toHaveLength(1);
    expect(JSON.parse(logs[0] ?? '{}')).toMatchObject({ event: 'sweep', messageId: 'm-1', jobId, outcome: 'COMPLETED', state: 'completed', tasksSwept: 3, storageRequests: expect.any(Number) as number });
  });

  it('drops a message that is not a sweep message, without touching storage and without failing the delivery', async () => {
    const app = await appFor(table);
    for (const message of ['not json', { job_id: 'a/b' }, { job_id: 'j', extra: 1 }]) {
      const logs: string[] = [];
      await expect(sweepJobHandler(app)(message, queueContext('m-2', 1, logs))).resolves.toBeUndefined();
      expect(JSON.parse(logs[0] ?? '{}')).toMatchObject({ outcome: 'DROPPED' });
    }
  });

  it('finds nothing to do for a job that is not terminating: a safety message whose call never wrote, or one that came after the end', async () => {
    const app = await appFor(table);
    const active = uniqueId('active');
    await table.loadJob(aJob({ id: active }), [aRunningTask({ id: 'r', job_id: active })]);
    const before = await table.listTasks(active);
    const logs: string[] = [];
    await sweepJobHandler(app)({ job_id: active }, queueContext('m-3', 1, logs));
    expect(await table.listTasks(active)).toEqual(before);
    expect(JSON.parse(logs[0] ?? '{}')).toMatchObject({ outcome: 'NOTHING_TO_SWEEP', state: 'active' });
  });
});

describe('the poison-queue trigger of the sweep queue', () => {
  it('sends a poisoned sweep message to the sweep queue again, hidden for the resume delay; that message finishes the job', async () => {
    const jobId = await terminatingJob();
    const base = await appFor(table);
    const app = { ...base, sweep: { ...base.sweep, resumeDelaySeconds: 1 } };
    await resumeSweepHandler(app)({ job_id: jobId }, queueContext('p-1', 1));
    expect(await messagesOn(app.sweeps)).toBe(1);
    await until(async () => (await visibleMessages(app.sweeps)).length === 1);
    expect(await visibleMessages(app.sweeps)).toEqual([{ job_id: jobId }]);
    expect(await runSweeps(app)).toMatchObject({ completed: 1, failed: 0 });
    expect((await table.readJob(jobId))?.job.state).toBe('completed');
  });

  it('fails the delivery when it cannot send (the host never poisons a poison queue: it delivers again)', async () => {
    const app = await appFor(table);
    // A queue storage refuses (its name is not a valid one: 400), where creating it on first use cannot help.
    const refused = new MessageQueue(createQueueClient({ kind: 'connectionString', connectionString: azuriteConnectionString() }, `refused_${uniqueId('q')}`));
    await expect(resumeSweepHandler({ ...app, sweeps: refused })({ job_id: 'j' }, queueContext('p-2', 3))).rejects.toThrow();
  });

  it('drops a message that is not a sweep message', async () => {
    const app = await appFor(table);
    const logs: string[] = [];
    await expect(resumeSweepHandler(app)({ nope: true }, queueContext('p-3', 1, logs))).resolves.toBeUndefined();
    expect(await messagesOn(app.sweeps)).toBe(0);
    expect(JSON.parse(logs[0] ?? '{}')).toMatchObject({ outcome: 'DROPPED' });
  });
});

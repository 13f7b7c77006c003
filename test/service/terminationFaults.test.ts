import { beforeAll, describe, expect, it } from 'vitest';

import type { TaskSnapshot } from '../../src/domain/task';
import { sweepJobHandler } from '../../src/functions/sweepJob';
import { Deadline } from '../../src/service/deadline';
import { terminateJob } from '../../src/service/terminateJob';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { answerStatus, isCommit, resetAfterSend, resetBeforeSend } from '../support/faults';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { appFor, freshTable, tableWith, uniqueId, type TestApp } from '../support/storage';
import { runSweeps, visibleMessages } from '../support/sweeps';

let table: FixtureTable;
let app: TestApp;
let tableName: string;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  app = await appFor(table);
});

/** A job of `count` running tasks and one failed task: two sweep batches when count ≥ 100. */
async function seedJob(count: number): Promise<string> {
  const jobId = uniqueId('sweepfault');
  const tasks = [...Array.from({ length: count }, (_, n) => aRunningTask({ id: `r${n}`, job_id: jobId })), aFailedTask({ id: 'failed', job_id: jobId })];
  await table.loadJob(aJob({ id: jobId }), tasks);
  return jobId;
}

/** Each task row is either as seeded (running, unstamped) or fully swept: never anything between. */
function expectWholeRows(tasks: TaskSnapshot[]): void {
  for (const { task, jobStamp } of tasks) {
    if (task.id === 'failed') {
      expect(task).toMatchObject({ state: 'completed', result: 'failure', failure_info: { code: 'FailureExitCode' } });
      continue;
    }
    if (jobStamp === 'active') expect(task).toMatchObject({ state: 'running', result: null, failure_info: null });
    else expect(task).toMatchObject({ state: 'completed', previous_state: 'running', result: 'failure', failure_info: { code: 'TaskEnded' } });
  }
}

function expectFinished(tasks: TaskSnapshot[]): void {
  expectWholeRows(tasks);
  expect(tasks.every((t) => t.jobStamp === 'terminating' && t.task.state === 'completed')).toBe(true);
}

describe.concurrent('storage faults around a termination sweep', () => {
  it('a sweep batch whose response is lost after it committed: the termination still completes, every task ended once', async () => {
    const jobId = await seedJob(150);
    const lost = resetAfterSend({ when: isCommit, times: 1 });
    const started = performance.now();
    const outcome = await terminateJob({ ...app, store: tableWith(tableName, lost) }, { jobId, reason: null, deadline: Deadline.ofSeconds(30) });
    const elapsed = performance.now() - started;
    expect(lost.struck).toBe(1);
    expect(outcome).toMatchObject({ kind: 'terminated', job: { state: 'completed' } });
    const tasks = await table.listTasks(jobId);
    expect(tasks).toHaveLength(151);
    expectFinished(tasks);
    // The lost batch's rows moved under their own ETags; re-reading them one by one (a round of
    // backoff each) would take tens of seconds. The whole batch is re-read at once instead.
    expect(elapsed).toBeLessThan(5_000);
  });

  it('every sweep batch lost after it committed: the call hands the sweep over (202), nothing is half-written, and the sweep finishes without it', async () => {
    const jobId = await seedJob(150);
    const own = await appFor(table);
    const lost = resetAfterSend({ when: isCommit });
    const outcome = await terminateJob({ ...own, store: tableWith(tableName, lost) }, { jobId, reason: 'First', deadline: Deadline.ofSeconds(5) });
    expect(outcome).toMatchObject({ kind: 'terminationUnderWay', job: { state: 'terminating', termination_reason: 'First' } });
    expect((await table.readJob(jobId))?.job.state).toBe('terminating');
    expectWholeRows(await table.listTasks(jobId));
    // The call's safety message was shown at once: the sweep does not wait for its delay.
    expect(await visibleMessages(own.sweeps)).toEqual([{ job_id: jobId }]);
    expect(await runSweeps(own)).toMatchObject({ failed: 0 });
    expect((await table.readJob(jobId))?.job).toMatchObject({ state: 'completed', termination_reason: 'First', termination: { tasks_swept: 151 } });
    expectFinished(await table.listTasks(jobId));
  });

  it.each([
    ['503 on every sweep batch', () => answerStatus(503, { when: isCommit })],
    ['a connection reset before every sweep batch reached storage', () => resetBeforeSend({ when: isCommit })],
  ])('%s: the call answers the job terminating (202), its tasks untouched, and the sweep finishes without it', async (_, fault) => {
    const jobId = await seedJob(20);
    const own = await appFor(table);
    const before = await table.listTasks(jobId);
    const policy = fault();
    const outcome = await terminateJob({ ...own, store: tableWith(tableName, policy) }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) });
    expect(outcome).toMatchObject({ kind: 'terminationUnderWay', job: { state: 'terminating', termination: { tasks_swept: 0 } } });
    // Three faults in a row (each tried four times by the SDK) make the sweep give up for now.
    expect(policy.struck).toBe(12);
    expect((await table.readJob(jobId))?.job.state).toBe('terminating');
    expect(await table.listTasks(jobId)).toEqual(before);
    expect(await runSweeps(own)).toMatchObject({ completed: 1, failed: 0 });
    expectFinished(await table.listTasks(jobId));
  });

  it('storage failing for the worker too: each delivery fails (the message comes back), none half-writes, and a later one finishes', async () => {
    const jobId = await seedJob(20);
    const own = await appFor(table);
    const down = answerStatus(503, { when: isCommit });
    expect(await terminateJob({ ...own, store: tableWith(tableName, down) }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) })).toMatchObject({ kind: 'terminationUnderWay' });
    const failing = sweepJobHandler({ ...own, store: tableWith(tableName, down) });
    expect(await runSweeps(own, { handler: failing, maxDeliveries: 2 })).toMatchObject({ completed: 0, failed: 2, drained: false });
    expect((await table.readJob(jobId))?.job).toMatchObject({ state: 'terminating', termination: { tasks_swept: 0 } });
    expectWholeRows(await table.listTasks(jobId));
    const run = await runSweeps(own);
    expect(run).toMatchObject({ completed: 1, failed: 0, drained: true });
    expect(run.logs.join('\n')).toContain('"outcome":"COMPLETED"');
    expectFinished(await table.listTasks(jobId));
  });
});

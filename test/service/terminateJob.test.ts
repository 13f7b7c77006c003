import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { beforeAll, describe, expect, it } from 'vitest';

import type { Task } from '../../src/domain/task';
import { Deadline } from '../../src/service/deadline';
import { terminateJob } from '../../src/service/terminateJob';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask, aSucceededTask } from '../support/fixtures';
import { isJobRead } from '../support/faults';
import { appFor, freshTable, tableWith, uniqueId, type TestApp } from '../support/storage';
import { messagesOn, runSweeps, visibleMessages } from '../support/sweeps';

let table: FixtureTable;
let app: TestApp;
let tableName: string;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  app = await appFor(table);
});

async function seed(state: Parameters<typeof aJob>[0] = {}, tasks: Task[] = []): Promise<string> {
  const jobId = uniqueId('term');
  await table.loadJob(aJob({ ...state, id: jobId }), tasks.map((task) => ({ ...task, job_id: jobId })));
  return jobId;
}

const terminate = (jobId: string, reason: string | null = null, seconds = 20) =>
  terminateJob(app, { jobId, reason, deadline: Deadline.ofSeconds(seconds) });

describe('terminateJob', () => {
  it('ends every task not yet completed, stamps every task, and completes the job with the reason', async () => {
    const jobId = await seed({}, [
      aRunningTask({ id: 'running' }),
      aRunningTask({ id: 'active', state: 'active' }),
      aRunningTask({ id: 'preparing', state: 'preparing' }),
      aFailedTask({ id: 'failed' }),
      aSucceededTask({ id: 'succeeded' }),
    ]);
    const outcome = await terminate(jobId, 'Budget exhausted');
    expect(outcome).toMatchObject({ kind: 'terminated', job: { id: jobId, state: 'completed', previous_state: 'terminating', termination_reason: 'Budget exhausted' } });
    const tasks = new Map((await table.listTasks(jobId)).map((t) => [t.task.id, t]));
    for (const id of ['running', 'active', 'preparing']) {
      expect(tasks.get(id)?.task).toMatchObject({ state: 'completed', previous_state: id, result: 'failure', failure_info: { code: 'TaskEnded' } });
    }
    expect(tasks.get('failed')?.task).toEqual(aFailedTask({ id: 'failed', job_id: jobId }));
    expect(tasks.get('succeeded')?.task).toEqual(aSucceededTask({ id: 'succeeded', job_id: jobId }));
    expect([...tasks.values()].every((t) => t.jobStamp === 'terminating')).toBe(true);
    const job = await table.readJob(jobId);
    expect(outcome).toMatchObject({ etag: job?.etag });
  });

  it('defaults the reason to UserTerminate', async () => {
    expect(await terminate(await seed())).toMatchObject({ kind: 'terminated', job: { termination_reason: 'UserTerminate' } });
  });

  it('refuses a completed job, a deleting job and a missing one', async () => {
    expect(await terminate(await seed({ state: 'completed' }))).toMatchObject({ kind: 'rejection', code: 'JOB_COMPLETED' });
    expect(await terminate(await seed({ state: 'deleting' }))).toMatchObject({ kind: 'rejection', code: 'JOB_BEING_DELETED' });
    expect(await terminate(uniqueId('none'))).toMatchObject({ kind: 'rejection', code: 'JOB_NOT_FOUND' });
  });

  it('restarts a termination that shows no sign of a sweep (left terminating before sweeps were durable) with one message, keeping its first reason', async () => {
    const jobId = await seed({ state: 'terminating', termination_reason: 'First' }, [aRunningTask({ id: 'r' })]);
    const before = await table.readJob(jobId);
    const own = await appFor(table);
    expect(await terminateJob(own, { jobId, reason: 'Second', deadline: Deadline.ofSeconds(20) })).toEqual({ kind: 'terminationUnderWay', job: before?.job, etag: before?.etag });
    expect(await visibleMessages(own.sweeps)).toEqual([{ job_id: jobId }]);
    expect(await runSweeps(own)).toMatchObject({ completed: 1, failed: 0 });
    expect((await table.readJob(jobId))?.job).toMatchObject({ state: 'completed', termination_reason: 'First', termination: { tasks_swept: 1, started_at: before?.job.state_transition_time } });
    expect((await table.readTask(jobId, 'r'))?.task.state).toBe('completed');
  });

  it('sweeps a job of 1,000 tasks in transactions of 100', async () => {
    const tasks = Array.from({ length: 1_000 }, (_, i) => (i % 2 === 0 ? aRunningTask({ id: `t${i}` }) : aFailedTask({ id: `t${i}` })));
    const jobId = await seed({}, tasks);
    const outcome = await terminate(jobId);
    expect(outcome.kind).toBe('terminated');
    const swept = await table.listTasks(jobId);
    expect(swept).toHaveLength(1_000);
    expect(swept.filter((t) => t.task.failure_info?.code === 'TaskEnded')).toHaveLength(500);
    expect(swept.every((t) => t.task.state === 'completed' && t.jobStamp === 'terminating')).toBe(true);
  });

  it('two terminations at once both succeed: one completes the job, the other answers it completed or under way, and one sweep runs', async () => {
    const jobId = await seed({}, [aRunningTask({ id: 'r' })]);
    const own = await appFor(table);
    const outcomes = await Promise.all([0, 1].map(() => terminateJob(own, { jobId, reason: null, deadline: Deadline.ofSeconds(20) })));
    expect(outcomes.map((o) => o.kind).sort()).toContainEqual('terminated');
    for (const outcome of outcomes) expect(['terminated', 'terminationUnderWay']).toContain(outcome.kind);
    expect((await table.readJob(jobId))?.job).toMatchObject({ state: 'completed', termination: { tasks_swept: 1 } });
    // Each call's safety message was withdrawn: the winner's once the job completed, the loser's when its write lost.
    expect(await messagesOn(own.sweeps)).toBe(0);
  });

  it('a termination that reads the job, then finds it completed by another one, answers the completed job, not JOB_COMPLETED', async () => {
    const jobId = await seed({}, [aRunningTask({ id: 'r' })]);
    let first: Promise<unknown> = Promise.resolve();
    // The late caller's first read of the job row is held until the other termination has finished.
    const holdFirstRead = {
      name: 'holdFirstJobRead',
      held: false,
      async sendRequest(request: Parameters<PipelinePolicy['sendRequest']>[0], next: Parameters<PipelinePolicy['sendRequest']>[1]) {
        const response = await next(request);
        if (isJobRead(request) && !holdFirstRead.held) {
          holdFirstRead.held = true;
          first = terminate(jobId, 'Other');
          await first;
        }
        return response;
      },
    };
    const late = await terminateJob({ ...app, store: tableWith(tableName, holdFirstRead) }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) });
    expect(await first).toMatchObject({ kind: 'terminated', job: { state: 'completed', termination_reason: 'Other' } });
    const stored = await table.readJob(jobId);
    expect(late).toEqual({ kind: 'terminated', job: stored?.job, etag: stored?.etag });
  });
});

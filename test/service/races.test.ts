import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import type { Task } from '../../src/domain/task';
import { Deadline } from '../../src/service/deadline';
import { reactivateTask, type ReactivateTaskCommand, type ReactivateTaskOutcome } from '../../src/service/reactivateTask';
import { terminateJob } from '../../src/service/terminateJob';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask, aSucceededTask } from '../support/fixtures';
import { withSeam } from '../support/seams';
import { appFor, freshTable, isRowRead, readsStraddling, uniqueId, type TestApp } from '../support/storage';

let table: FixtureTable;
let tableName: string;
let app: TestApp;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  app = await appFor(table);
});

async function seedJob(tasks: Partial<Task>[]): Promise<string> {
  const jobId = uniqueId('race');
  await table.loadJob(aJob({ id: jobId }), tasks.map((task, i) => aFailedTask({ ...task, id: `t${i}`, job_id: jobId })));
  return jobId;
}

function command(jobId: string, taskId: string, overrides: Partial<ReactivateTaskCommand> = {}): ReactivateTaskCommand {
  return { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(20), ...overrides };
}

const terminate = (jobId: string) => terminateJob(app, { jobId, reason: null, deadline: Deadline.ofSeconds(20) });

describe('a termination committed between the reactivation read and its commit', () => {
  it('makes the reactivation lose its If-Match, read again, and refuse, changing nothing', async () => {
    const jobId = await seedJob([{}]);
    const before = await table.readTask(jobId, 't0');
    const commits: number[] = [];
    const reads: number[] = [];
    const store = withSeam(
      withSeam(table, 'commitReactivations', {
        before: async (call) => {
          commits.push(call);
          expect(await terminate(jobId)).toMatchObject({ kind: 'terminated', job: { state: 'completed' } });
        },
      }),
      'readTask',
      { after: (call) => Promise.resolve(void reads.push(call)) },
    );
    const outcome = await reactivateTask({ ...app, store }, command(jobId, 't0'));
    // One commit, lost to the termination; the second read refused without committing.
    expect([commits, reads]).toEqual([[0], [0, 1]]);
    expect(outcome).toMatchObject({ kind: 'rejection', code: 'JOB_COMPLETED' });
    const after = await table.readTask(jobId, 't0');
    expect(after?.task).toEqual(before?.task);
    expect(after?.jobStamp).toBe('terminating');
    expect(await table.listHistory(jobId, 't0')).toEqual([]);
  });

  it('refuses with JOB_BEING_TERMINATED while the termination is under way', async () => {
    const jobId = await seedJob([{}]);
    let outcome: ReactivateTaskOutcome | undefined;
    const store = withSeam(table, 'commitSweep', {
      // The job row is terminating and the sweep has listed the task but not yet written it.
      before: async () => {
        outcome = await reactivateTask(app, command(jobId, 't0'));
      },
    });
    const terminated = await terminateJob({ ...app, store }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) });
    // The job row was already terminating when the reactivation read it.
    expect(outcome).toMatchObject({ kind: 'rejection', code: 'JOB_BEING_TERMINATED' });
    expect(terminated.kind).toBe('terminated');
  });

  it('refuses on the stamp alone, when the job row it read was still active', async () => {
    const jobId = await seedJob([{}]);
    // The job row is read before the termination, the task row after it.
    const straddling = readsStraddling(tableName, (request) => isRowRead(request, 'task'), async () => {
      await terminate(jobId);
    });
    const outcome = await reactivateTask({ ...app, store: straddling.table }, command(jobId, 't0'));
    expect(outcome).toMatchObject({ kind: 'rejection', code: 'JOB_BEING_TERMINATED' });
    expect((await table.readTask(jobId, 't0'))?.task.state).toBe('completed');
  });
});

describe('a reactivation committed between the termination read and its commit', () => {
  it('is ended by the sweep: the task ends completed with TaskEnded, and the reactivation was a success', async () => {
    const jobId = await seedJob([{}, aRunningTask(), aSucceededTask()]);
    // The reactivation reads the job row (still active), then its task read waits for the sweep.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const straddling = readsStraddling(tableName, (request) => isRowRead(request, 'task'), () => released);
    const pending = reactivateTask({ ...app, store: straddling.table }, command(jobId, 't0'));
    await straddling.jobWasRead;
    let reactivation: ReactivateTaskOutcome | undefined;
    const store = withSeam(table, 'commitSweep', {
      // The sweep has listed the tasks: the reactivation now reads the task and commits first.
      before: async (call) => {
        if (call > 0) return;
        release();
        reactivation = await pending;
      },
    });
    const terminated = await terminateJob({ ...app, store }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) });
    expect(reactivation).toMatchObject({ kind: 'reactivated' });
    expect(terminated).toMatchObject({ kind: 'terminated', job: { state: 'completed', termination_reason: 'UserTerminate' } });
    const task = await table.readTask(jobId, 't0');
    expect(task?.task).toMatchObject({ state: 'completed', previous_state: 'active', result: 'failure', reactivation_count: 1 });
    expect(task?.task.failure_info?.code).toBe('TaskEnded');
    const tasks = await table.listTasks(jobId);
    expect(tasks.every((t) => t.task.state === 'completed' && t.jobStamp === 'terminating')).toBe(true);
    expect(tasks.find((t) => t.task.id === 't2')?.task.result).toBe('success');
  });
});

describe('two reactivations of one task', () => {
  it('exactly one commits when the second commits between the first one read and its commit', async () => {
    const jobId = await seedJob([{}]);
    let inner: ReactivateTaskOutcome | undefined;
    const store = withSeam(table, 'commitReactivations', {
      before: async (call) => {
        if (call === 0) inner = await reactivateTask(app, command(jobId, 't0'));
      },
    });
    const outer = await reactivateTask({ ...app, store }, command(jobId, 't0'));
    expect(inner).toMatchObject({ kind: 'reactivated' });
    expect(outer).toMatchObject({ kind: 'rejection', code: 'TASK_NOT_COMPLETED' });
    expect(await table.listHistory(jobId, 't0')).toHaveLength(1);
  });

  it('with the same client-request-id both answer the same success, one commit', async () => {
    const jobId = await seedJob([{}]);
    const clientRequestId = randomUUID();
    let inner: ReactivateTaskOutcome | undefined;
    const store = withSeam(table, 'commitReactivations', {
      before: async (call) => {
        if (call === 0) inner = await reactivateTask(app, command(jobId, 't0', { clientRequestId }));
      },
    });
    const outer = await reactivateTask({ ...app, store }, command(jobId, 't0', { clientRequestId }));
    expect(inner).toMatchObject({ kind: 'reactivated', replayed: false });
    expect(outer).toMatchObject({ kind: 'reactivated', replayed: true });
    if (inner?.kind === 'reactivated' && outer.kind === 'reactivated') expect(outer.etag).toBe(inner.etag);
    expect(await table.listHistory(jobId, 't0')).toHaveLength(1);
  });

  it('many at once: exactly one commit', async () => {
    const jobId = await seedJob([{}]);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => reactivateTask(app, command(jobId, 't0'))));
    expect(outcomes.filter((o) => o.kind === 'reactivated')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'rejection' && o.code === 'TASK_NOT_COMPLETED')).toHaveLength(19);
    expect(await table.listHistory(jobId, 't0')).toHaveLength(1);
  });
});

describe('randomized: concurrent reactivations and a termination on one job', () => {
  it('never leaves a task active in a completed job, and every answer matches the final state', async () => {
    const ROUNDS = 200;
    for (let round = 0; round < ROUNDS; round += 1) {
      const taskCount = 1 + Math.floor(Math.random() * 6);
      const jobId = await seedJob(Array.from({ length: taskCount }, (_, i) => (i % 4 === 3 ? aRunningTask() : {})));
      const calls = Array.from({ length: 2 + Math.floor(Math.random() * 6) }, () => `t${Math.floor(Math.random() * taskCount)}`);
      const terminateAt = Math.floor(Math.random() * (calls.length + 1));
      const work: Promise<unknown>[] = calls.map((taskId) => reactivateTask(app, command(jobId, taskId)).then((outcome) => ({ taskId, outcome })));
      void work.splice(terminateAt, 0, terminate(jobId));
      const results = await Promise.all(work);
      const terminated = results.splice(terminateAt, 1)[0];
      expect(terminated).toMatchObject({ kind: 'terminated', job: { state: 'completed' } });

      const tasks = new Map((await table.listTasks(jobId)).map((t) => [t.task.id, t]));
      for (const t of tasks.values()) {
        expect(t.task.state, `round ${round}: ${t.task.id} left active in a completed job`).toBe('completed');
        expect(t.jobStamp).toBe('terminating');
      }
      const answers = results as { taskId: string; outcome: ReactivateTaskOutcome }[];
      for (const { taskId, outcome } of answers) {
        const history = await table.listHistory(jobId, taskId);
        const final = tasks.get(taskId)?.task;
        const successes = answers.filter((a) => a.taskId === taskId && a.outcome.kind === 'reactivated').length;
        // One history record per successful reactivation, and a reactivated task was then ended by the sweep.
        expect(history).toHaveLength(successes);
        expect(final?.reactivation_count).toBe(successes);
        if (outcome.kind === 'reactivated') expect(final?.failure_info?.code).toBe('TaskEnded');
        else expect(['TASK_NOT_COMPLETED', 'JOB_BEING_TERMINATED', 'JOB_COMPLETED']).toContain(outcome.kind === 'rejection' ? outcome.code : outcome.code);
      }
    }
  }, 120_000);
});

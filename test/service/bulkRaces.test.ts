import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { reactivateFailedTasksBodySchema } from '../../src/domain/bulkRequest';
import type { Task } from '../../src/domain/task';
import { Deadline } from '../../src/service/deadline';
import { reactivateFailedTasks, type ReactivateFailedTasksOutcome } from '../../src/service/reactivateFailedTasks';
import { reactivateTask, type ReactivateTaskOutcome } from '../../src/service/reactivateTask';
import type { TaskStore } from '../../src/service/taskStore';
import { terminateJob, type TerminateJobOutcome } from '../../src/service/terminateJob';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { withSeam } from '../support/seams';
import { appFor, freshTable, readsStraddling, uniqueId, type TestApp } from '../support/storage';

let table: FixtureTable;
let tableName: string;
let app: TestApp;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  app = await appFor(table);
});

async function seed(count: number, shape: (i: number) => Partial<Task> = () => ({})): Promise<string> {
  const jobId = uniqueId('bulkrace');
  await table.loadJob(
    aJob({ id: jobId }),
    Array.from({ length: count }, (_, i) => aFailedTask({ ...shape(i), id: `t${String(i).padStart(3, '0')}`, job_id: jobId })),
  );
  return jobId;
}

function bulk(jobId: string, store: TaskStore = table, body: unknown = {}): Promise<ReactivateFailedTasksOutcome> {
  return reactivateFailedTasks(
    { ...app, store },
    { jobId, body: reactivateFailedTasksBodySchema.parse(body), requestId: randomUUID(), clientRequestId: randomUUID(), trigger: 'http', deadline: Deadline.ofSeconds(20) },
  );
}

const terminate = (jobId: string, store: TaskStore = table): Promise<TerminateJobOutcome> => terminateJob({ ...app, store }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) });

/** The guarantee: in a terminated job, every task is completed and stamped, whatever raced. */
async function expectNothingActive(jobId: string): Promise<void> {
  const tasks = await table.listTasks(jobId);
  for (const t of tasks) {
    expect(t.task.state, `${t.task.id} left ${t.task.state} in a completed job`).toBe('completed');
    expect(t.jobStamp).toBe('terminating');
  }
}

function reactivatedBy(outcome: ReactivateFailedTasksOutcome): string[] {
  return outcome.kind === 'bulkReactivated' ? outcome.result.reactivated : [];
}

describe('a termination committed between the bulk read and its commit', () => {
  it('makes every transaction lose its If-Match; the call refuses as the single call would and changes nothing', async () => {
    const jobId = await seed(120);
    const before = await table.listTasks(jobId);
    let termination: Promise<TerminateJobOutcome> | undefined;
    const outcome = await bulk(
      jobId,
      withSeam(table, 'commitReactivations', {
        // Every transaction has been read and planned; none commits before the termination is done.
        before: async () => {
          termination ??= terminate(jobId);
          await termination;
        },
      }),
    );
    expect(await termination).toMatchObject({ kind: 'terminated' });
    expect(outcome).toMatchObject({ kind: 'rejection', code: 'JOB_COMPLETED' });
    await expectNothingActive(jobId);
    const after = await table.listTasks(jobId);
    expect(after.map((t) => t.task)).toEqual(before.map((t) => t.task));
    for (const id of ['t000', 't050', 't119']) expect(await table.listHistory(jobId, id)).toEqual([]);
  });

  it('between two transactions: what committed is ended by the sweep, the rest is skipped, nothing stays active', async () => {
    const jobId = await seed(400);
    let termination: Promise<TerminateJobOutcome> | undefined;
    const outcome = await bulk(
      jobId,
      withSeam(table, 'commitReactivations', {
        // The first commit to settle starts the termination; no worker takes another transaction until it is done.
        after: async () => {
          termination ??= terminate(jobId);
          await termination;
        },
      }),
    );
    expect(await termination).toMatchObject({ kind: 'terminated', job: { state: 'completed' } });
    if (outcome.kind !== 'bulkReactivated') throw new Error(JSON.stringify(outcome));
    const { reactivated, skipped } = outcome.result;
    // The first four transactions of 50 were under way (each commits or loses to the stamp); the last four never commit.
    expect(reactivated.length).toBeGreaterThanOrEqual(50);
    expect(skipped.length).toBeGreaterThanOrEqual(200);
    expect(reactivated.length + skipped.length).toBe(400);
    for (const { code } of skipped) expect(['JOB_BEING_TERMINATED', 'JOB_COMPLETED']).toContain(code);
    await expectNothingActive(jobId);
    const tasks = new Map((await table.listTasks(jobId)).map((t) => [t.task.id, t.task]));
    for (const id of reactivated) expect(tasks.get(id)).toMatchObject({ reactivation_count: 1, failure_info: { code: 'TaskEnded' } });
    for (const { id } of skipped) expect(tasks.get(id)).toMatchObject({ reactivation_count: 0, failure_info: { code: 'FailureExitCode' } });
  });

  it('refuses on the stamps alone when the job row was read before the termination and the listing after it', async () => {
    const jobId = await seed(10);
    const straddling = readsStraddling(
      tableName,
      (request) => request.method === 'GET' && decodeURIComponent(request.url).includes('$filter'),
      async () => {
        await terminate(jobId);
      },
    ).table;
    const outcome = await bulk(jobId, straddling);
    expect(outcome).toMatchObject({ kind: 'rejection', code: 'JOB_BEING_TERMINATED' });
    await expectNothingActive(jobId);
    expect(await table.listHistory(jobId, 't000')).toEqual([]);
  });
});

describe('a bulk commit landing between a termination sweep read and its commit', () => {
  it('is ended by the sweep: every task the bulk reactivated ends completed with TaskEnded', async () => {
    const jobId = await seed(30, (i) => (i % 10 === 9 ? aRunningTask() : {}));
    let sweepListed: () => void = () => undefined;
    const listed = new Promise<void>((resolve) => (sweepListed = resolve));
    let releaseSweep: () => void = () => undefined;
    const sweepMayCommit = new Promise<void>((resolve) => (releaseSweep = resolve));
    let termination: Promise<TerminateJobOutcome> | undefined;
    const sweeping = withSeam(table, 'commitSweep', {
      before: async (call) => {
        if (call > 0) return;
        sweepListed();
        await sweepMayCommit;
      },
    });
    const outcome = await bulk(
      jobId,
      withSeam(table, 'commitReactivations', {
        // The bulk has read the job (active) and its tasks; the termination now starts and lists them too.
        before: async () => {
          termination ??= terminate(jobId, sweeping);
          await listed;
        },
      }),
    );
    // The bulk committed while the sweep held ETags it had listed before.
    expect(reactivatedBy(outcome)).toHaveLength(27);
    releaseSweep();
    expect(await termination).toMatchObject({ kind: 'terminated', job: { state: 'completed' } });
    await expectNothingActive(jobId);
    const tasks = await table.listTasks(jobId);
    for (const t of tasks.filter((t) => t.task.reactivation_count === 1)) {
      expect(t.task).toMatchObject({ previous_state: 'active', result: 'failure', failure_info: { code: 'TaskEnded' } });
    }
    expect(tasks.filter((t) => t.task.reactivation_count === 1)).toHaveLength(27);
  });
});

describe('randomized: bulk calls, single reactivations and a termination on one job', () => {
  it('never leaves a task active in a completed job; each task is reactivated by at most one caller, and its history says so', async () => {
    for (let round = 0; round < 25; round += 1) {
      const count = 1 + Math.floor(Math.random() * 160);
      const jobId = await seed(count, (i) => (i % 7 === 6 ? aRunningTask() : {}));
      const pick = (): string => `t${String(Math.floor(Math.random() * count)).padStart(3, '0')}`;
      const calls: Promise<{ by: string; reactivated: string[] }>[] = [];
      const bulks = 1 + Math.floor(Math.random() * 3);
      for (let b = 0; b < bulks; b += 1) {
        const body = Math.random() < 0.5 ? {} : { task_ids: Array.from({ length: 1 + Math.floor(Math.random() * 60) }, pick) };
        calls.push(bulk(jobId, table, body).then((o) => ({ by: `bulk${b}`, reactivated: reactivatedBy(o) })));
      }
      for (let s = 0; s < 4; s += 1) {
        const taskId = pick();
        calls.push(
          reactivateTask(app, { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(20) }).then(
            (o: ReactivateTaskOutcome) => ({ by: `single${s}`, reactivated: o.kind === 'reactivated' ? [taskId] : [] }),
          ),
        );
      }
      const terminated = terminate(jobId);
      const answers = await Promise.all(calls);
      expect(await terminated).toMatchObject({ kind: 'terminated' });

      await expectNothingActive(jobId);
      const claimed = answers.flatMap((a) => a.reactivated);
      expect(new Set(claimed).size, `round ${round}: a task reactivated by two callers`).toBe(claimed.length);
      for (const t of await table.listTasks(jobId)) {
        const mine = claimed.includes(t.task.id);
        expect(t.task.reactivation_count, `round ${round}: ${t.task.id}`).toBe(mine ? 1 : 0);
        if (mine) expect(t.task.failure_info?.code).toBe('TaskEnded');
      }
    }
  }, 120_000);
});

import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import type { Task } from '../../src/domain/task';
import { sweepJobHandler } from '../../src/functions/sweepJob';
import { Deadline } from '../../src/service/deadline';
import { reactivateTask, type ReactivateTaskOutcome } from '../../src/service/reactivateTask';
import type { JobRow } from '../../src/domain/job';
import type { ConditionalWrite, TaskStore } from '../../src/service/taskStore';
import { terminateJob, type TerminateJobOutcome } from '../../src/service/terminateJob';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { withSeam } from '../support/seams';
import { appFor, freshTable, isRowRead, readsStraddling, uniqueId, type TestApp } from '../support/storage';
import { messagesOn, queueContext, runSweeps, visibleMessages } from '../support/sweeps';

/**
 * Races between a paged, durable termination and reactivations, each interleaving driven on
 * purpose through a seam around the store (or a read held in the HTTP pipeline). Seven tasks in
 * pages of two: [t00 t01] [t02 t03] [t04 t05] [t06]; t00, t03 and t06 run, the others failed.
 */
let table: FixtureTable;
let tableName: string;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
});

const PAGE = 2;

async function seed(): Promise<{ jobId: string; tasks: Task[] }> {
  const jobId = uniqueId('sweeprace');
  const tasks = Array.from({ length: 7 }, (_, i) => {
    const id = `t${String(i).padStart(2, '0')}`;
    return i % 3 === 0 ? aRunningTask({ id, job_id: jobId }) : aFailedTask({ id, job_id: jobId });
  });
  await table.loadJob(aJob({ id: jobId }), tasks);
  return { jobId, tasks };
}

async function appWithPages(): Promise<TestApp> {
  const app = await appFor(table);
  return { ...app, sweep: { ...app.sweep, pageSize: PAGE } };
}

function reactivation(app: TestApp, store: TaskStore, jobId: string, taskId: string): Promise<ReactivateTaskOutcome> {
  return reactivateTask(
    { ...app, store },
    { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(20) },
  );
}

/**
 * A reactivation whose job read happens now (the job still active) and whose task read waits until
 * `release()`: the two reads of its round trip then straddle whatever the test does in between.
 */
async function straddled(app: TestApp, jobId: string, taskId: string): Promise<{ release: () => void; outcome: Promise<ReactivateTaskOutcome> }> {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held = readsStraddling(tableName, (request) => isRowRead(request, 'task'), () => released);
  const outcome = reactivation(app, held.table, jobId, taskId);
  await held.jobWasRead;
  return { release, outcome };
}

/** The termination's call dies right after it set the job terminating: the rest is the workers'. */
async function terminationLeftToWorkers(app: TestApp, jobId: string): Promise<void> {
  const dies = withSeam(table, 'writeJob', { after: (call) => (call === 0 ? Promise.reject(new Error('the instance went away')) : Promise.resolve()) });
  await expect(terminateJob({ ...app, store: dies }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) })).rejects.toThrow('the instance went away');
  await app.sweeps.send({ job_id: jobId });
}

/**
 * The promise, after every race: the job is completed, no task of it is running, preparing or
 * active, every task row is stamped; and every reactivation answered with success was committed
 * before the sweep reached its task, so the sweep ended it (TaskEnded), with one history record.
 * Every task is counted once in the progress, however often a page was redone.
 */
async function expectPromiseKept(jobId: string, seeded: Task[], succeeded: string[]): Promise<void> {
  const job = await table.readJob(jobId);
  expect(job?.job).toMatchObject({ state: 'completed', termination: { tasks_swept: seeded.length } });
  const tasks = await table.listTasks(jobId);
  expect(tasks).toHaveLength(seeded.length);
  for (const t of tasks) {
    expect(t.task.state, `${t.task.id} left ${t.task.state} in a completed job`).toBe('completed');
    expect(t.jobStamp).toBe('terminating');
    const history = await table.listHistory(jobId, t.task.id);
    if (succeeded.includes(t.task.id)) {
      expect(t.task, `${t.task.id}: its reactivation answered success, so the sweep must have ended it`).toMatchObject({ previous_state: 'active', reactivation_count: 1, failure_info: { code: 'TaskEnded' } });
      expect(history).toHaveLength(1);
    } else {
      expect(t.task.reactivation_count).toBe(0);
      expect(history).toEqual([]);
      const before = seeded.find((s) => s.id === t.task.id);
      if (before?.state === 'completed') expect(t.task).toEqual(before);
      else expect(t.task).toMatchObject({ previous_state: 'running', failure_info: { code: 'TaskEnded' } });
    }
  }
}

describe.each(['the terminate call', 'a sweep worker'] as const)('a reactivation committing inside a page, between its listing and its commit, swept by %s', (sweeper) => {
  it('makes that page lose its If-Match; the page is re-read and the reactivated task ended', async () => {
    const { jobId, tasks } = await seed();
    const app = await appWithPages();
    const racer = await straddled(app, jobId, 't02');
    let reactivated: ReactivateTaskOutcome | undefined;
    // commitSweep call 1 is page [t02 t03]: listed, not yet written.
    const store = withSeam(table, 'commitSweep', {
      before: async (call) => {
        if (call !== 1) return;
        racer.release();
        reactivated = await racer.outcome;
      },
    });
    if (sweeper === 'the terminate call') {
      expect(await terminateJob({ ...app, store }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) })).toMatchObject({ kind: 'terminated' });
    } else {
      await terminationLeftToWorkers(app, jobId);
      expect(await runSweeps({ ...app, store })).toMatchObject({ completed: 1, failed: 0 });
    }
    expect(reactivated).toMatchObject({ kind: 'reactivated' });
    await expectPromiseKept(jobId, tasks, ['t02']);
  });
});

describe('reactivations exactly at a page boundary (the cursor just moved past [t00 t01])', () => {
  it('one of the page just swept refuses on its stamp; one of the next page commits and is then ended', async () => {
    const { jobId, tasks } = await seed();
    const app = await appWithPages();
    const behind = await straddled(app, jobId, 't01');
    const ahead = await straddled(app, jobId, 't02');
    const outcomes: ReactivateTaskOutcome[] = [];
    // writeJob call 0 sets the job terminating; call 1 moves the cursor past the first page.
    const store = withSeam(table, 'writeJob', {
      after: async (call) => {
        if (call !== 1) return;
        behind.release();
        ahead.release();
        outcomes.push(await behind.outcome, await ahead.outcome);
      },
    });
    expect(await terminateJob({ ...app, store }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) })).toMatchObject({ kind: 'terminated' });
    // Both read the job row while it was active: the stamp alone refuses the first.
    expect(outcomes).toMatchObject([{ kind: 'rejection', code: 'JOB_BEING_TERMINATED' }, { kind: 'reactivated' }]);
    await expectPromiseKept(jobId, tasks, ['t02']);
  });
});

describe('reactivations after the last page, before the job row becomes completed', () => {
  it('are refused, on the stamp or on the job row, and change nothing', async () => {
    const { jobId, tasks } = await seed();
    const app = await appWithPages();
    const early = await straddled(app, jobId, 't04');
    const outcomes: ReactivateTaskOutcome[] = [];
    // writeJob calls: 0 terminating, 1-3 the cursor past each full page, 4 completes after [t06].
    const store = withSeam(table, 'writeJob', {
      before: async (call) => {
        if (call !== 4) return;
        early.release();
        outcomes.push(await early.outcome, await reactivation(app, table, jobId, 't05'));
      },
    });
    expect(await terminateJob({ ...app, store }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) })).toMatchObject({ kind: 'terminated' });
    expect(outcomes).toMatchObject([
      { kind: 'rejection', code: 'JOB_BEING_TERMINATED' },
      { kind: 'rejection', code: 'JOB_BEING_TERMINATED' },
    ]);
    await expectPromiseKept(jobId, tasks, []);
  });
});

/** The job row a `writeJob` call carried, and whether it landed. */
function written(args: readonly unknown[], result: unknown): { row: JobRow; landed: boolean } {
  return { row: args[0] as JobRow, landed: (result as ConditionalWrite).kind === 'written' };
}

describe.each([
  ['after the page [t02 t03] committed, before the checkpoint moved past it', 'before'],
  ['right after the checkpoint moved past [t02 t03]', 'after'],
] as const)('a worker dying %s', (_, when) => {
  it('is redelivered; the redelivery redoes at most that page, at no cost, and goes on; a reactivation in between is ended', async () => {
    const { jobId, tasks } = await seed();
    const app = await appWithPages();
    const racer = await straddled(app, jobId, 't04');
    await terminationLeftToWorkers(app, jobId);
    let reactivated: ReactivateTaskOutcome | undefined;
    let commits = 0;
    let died = false;
    const die = async (): Promise<never> => {
      died = true;
      racer.release();
      reactivated = await racer.outcome;
      throw new Error('the instance went away');
    };
    const counted = withSeam(table, 'commitSweep', { after: () => Promise.resolve(void (commits += 1)) });
    const dying = withSeam(counted, 'writeJob', {
      // The first job-row write after the second page's rows are written.
      before: async () => {
        if (when === 'before' && !died && commits >= 2) await die();
      },
      after: async (_call, args, result) => {
        const { row, landed } = written(args, result);
        if (when === 'after' && !died && landed && row.sweptThrough === 't03') await die();
      },
    });
    const run = await runSweeps({ ...app, store: dying });
    expect(died).toBe(true);
    expect(run).toMatchObject({ failed: 1, completed: 1 });
    expect(reactivated).toMatchObject({ kind: 'reactivated' });
    await expectPromiseKept(jobId, tasks, ['t04']);
  });
});

describe('two workers on one job at once', () => {
  it('the second sweeps it all while the first holds a page; the first loses every race, goes on from what it finds, and the job completes once', async () => {
    const { jobId, tasks } = await seed();
    const app = await appWithPages();
    await terminationLeftToWorkers(app, jobId);
    let completedBy: string | undefined;
    const other = sweepJobHandler(app);
    // The first worker has listed [t00 t01]; before it writes them, the same message (shown again
    // while the first still runs) reaches a second worker, which sweeps the whole job.
    const first = withSeam(table, 'commitSweep', {
      before: async (call) => {
        if (call !== 0) return;
        await other({ job_id: jobId }, queueContext('same-message', 2));
        completedBy = (await table.readJob(jobId))?.job.state_transition_time;
      },
    });
    const run = await runSweeps({ ...app, store: first });
    expect(run).toMatchObject({ completed: 1, failed: 0 });
    // Written once: the first worker's late writes all lost their If-Match.
    expect((await table.readJob(jobId))?.job.state_transition_time).toBe(completedBy);
    await expectPromiseKept(jobId, tasks, []);
  });
});

describe('a termination requested while another runs in the background', () => {
  it('answers 202 with the job as it stands and starts no second sweep; the first one finishes', async () => {
    const { jobId, tasks } = await seed();
    const app = await appWithPages();
    const deadline = Deadline.ofSeconds(4);
    // The first call sweeps one page, then its time is spent: the rest goes to the background.
    const slowAfterPage = withSeam(table, 'writeJob', {
      after: async (call) => {
        if (call !== 1) return;
        while (deadline.remainingMs() > 1_000) await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    const first: TerminateJobOutcome = await terminateJob({ ...app, store: slowAfterPage }, { jobId, reason: 'First', deadline });
    expect(first).toMatchObject({ kind: 'terminationUnderWay', job: { termination: { tasks_swept: 2 } } });
    expect(await messagesOn(app.sweeps)).toBe(1);
    const current = await table.readJob(jobId);
    const second = await terminateJob(app, { jobId, reason: 'Second', deadline: Deadline.ofSeconds(20) });
    expect(second).toEqual({ kind: 'terminationUnderWay', job: current?.job, etag: current?.etag });
    expect(await messagesOn(app.sweeps)).toBe(1);
    expect(await visibleMessages(app.sweeps)).toEqual([{ job_id: jobId }]);
    expect(await reactivation(app, table, jobId, 't05')).toMatchObject({ kind: 'rejection', code: 'JOB_BEING_TERMINATED' });
    expect(await runSweeps(app)).toMatchObject({ completed: 1, failed: 0 });
    expect((await table.readJob(jobId))?.job.termination_reason).toBe('First');
    await expectPromiseKept(jobId, tasks, []);
  });
});

import { createHttpHeaders, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { beforeAll, describe, expect, it } from 'vitest';

import { NO_CONDITION } from '../../src/domain/conditions';
import type { Task } from '../../src/domain/task';
import { Deadline } from '../../src/service/deadline';
import { getJob } from '../../src/service/queries';
import type { TaskStore } from '../../src/service/taskStore';
import { terminateJob, type TerminateJobOutcome } from '../../src/service/terminateJob';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { withSeam } from '../support/seams';
import { appFor, freshTable, tableWith, uniqueId, type TestApp } from '../support/storage';
import { messagesOn, runSweeps, until, visibleMessages } from '../support/sweeps';

let table: FixtureTable;
let tableName: string;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
});

/** A job of `count` tasks: every third running, the rest failed; ids t00, t01, … in key order. */
async function seed(count: number): Promise<{ jobId: string; tasks: Task[] }> {
  const jobId = uniqueId('durable');
  const tasks = Array.from({ length: count }, (_, i) => {
    const id = `t${String(i).padStart(2, '0')}`;
    return i % 3 === 0 ? aRunningTask({ id, job_id: jobId }) : aFailedTask({ id, job_id: jobId });
  });
  await table.loadJob(aJob({ id: jobId }), tasks);
  return { jobId, tasks };
}

/** The app with its own queues, sweeping in pages of `pageSize`. */
async function appWith(pageSize: number, safetyDelaySeconds = 300): Promise<TestApp> {
  const app = await appFor(table);
  return { ...app, sweep: { ...app.sweep, pageSize, safetyDelaySeconds } };
}

/** The outcome of a termination: every task completed and stamped, the running ones ended by it, the failed ones as they were. */
async function expectTerminated(jobId: string, seeded: Task[]): Promise<void> {
  const job = await table.readJob(jobId);
  expect(job?.job).toMatchObject({ state: 'completed', termination: { tasks_swept: seeded.length } });
  const tasks = new Map((await table.listTasks(jobId)).map((t) => [t.task.id, t]));
  for (const before of seeded) {
    const after = tasks.get(before.id);
    expect(after?.jobStamp).toBe('terminating');
    if (before.state === 'completed') expect(after?.task).toEqual(before);
    else expect(after?.task).toMatchObject({ state: 'completed', previous_state: before.state, result: 'failure', failure_info: { code: 'TaskEnded' } });
  }
}

/**
 * A store whose cursor moves hold the call until its time is nearly spent (its last second, the
 * part it keeps for the safety message), so that it stops sweeping after `pages` pages, on purpose.
 */
function cutShortAfter(store: TaskStore, pages: number, deadline: Deadline): TaskStore {
  return withSeam(store, 'writeJob', {
    // Call 0 sets the job terminating; call n moves the cursor past page n.
    after: async (call) => {
      if (call !== pages) return;
      while (deadline.remainingMs() > 1_000) await new Promise((resolve) => setTimeout(resolve, 20));
    },
  });
}

describe('a termination larger than its call', () => {
  it('answers 202 with the job terminating and its progress, shows its safety message at once, and the sweep finishes page by page without the caller', async () => {
    const { jobId, tasks } = await seed(10);
    const app = await appWith(3);
    const deadline = Deadline.ofSeconds(4);
    const outcome = await terminateJob({ ...app, store: cutShortAfter(table, 1, deadline) }, { jobId, reason: 'Too big', deadline });
    const stored = await table.readJob(jobId);
    expect(outcome).toEqual({ kind: 'terminationUnderWay', job: stored?.job, etag: stored?.etag });
    expect(stored?.job).toMatchObject({ state: 'terminating', termination_reason: 'Too big', termination: { tasks_swept: 3 } });
    expect(stored?.sweptThrough).toBe('t02');
    // One message, the safety message made visible; nothing else was sent.
    expect(await visibleMessages(app.sweeps)).toEqual([{ job_id: jobId }]);
    expect(await messagesOn(app.sweeps)).toBe(1);
    const got = await getJob(app, { jobId, condition: NO_CONDITION, deadline: Deadline.ofSeconds(5) });
    expect(got).toMatchObject({ kind: 'job', job: { job: { termination: { started_at: stored?.job.state_transition_time, tasks_swept: 3 } } } });

    expect(await runSweeps(app)).toMatchObject({ completed: 1, failed: 0 });
    await expectTerminated(jobId, tasks);
    expect(await messagesOn(app.sweeps)).toBe(0);
  });

  it('a small job is swept within the call: 200 with the job completed, and the safety message withdrawn', async () => {
    const { jobId, tasks } = await seed(7);
    const app = await appWith(2);
    expect(await terminateJob(app, { jobId, reason: null, deadline: Deadline.ofSeconds(20) })).toMatchObject({ kind: 'terminated', job: { state: 'completed' } });
    await expectTerminated(jobId, tasks);
    expect(await messagesOn(app.sweeps)).toBe(0);
  });

  it('a call that dies right after its write leaves its safety message, hidden until its delay ends, and that message finishes the job', async () => {
    const { jobId, tasks } = await seed(5);
    const app = await appWith(2, 2);
    const dies = withSeam(table, 'writeJob', {
      after: (call) => (call === 0 ? Promise.reject(new Error('the instance went away')) : Promise.resolve()),
    });
    await expect(terminateJob({ ...app, store: dies }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) })).rejects.toThrow('the instance went away');
    expect((await table.readJob(jobId))?.job).toMatchObject({ state: 'terminating', termination: { tasks_swept: 0 } });
    // Hidden: no sweeper can read the job row before the call's own writes are over.
    expect(await visibleMessages(app.sweeps)).toEqual([]);
    expect(await messagesOn(app.sweeps)).toBe(1);
    await until(async () => (await visibleMessages(app.sweeps)).length === 1);
    expect(await runSweeps(app)).toMatchObject({ completed: 1, failed: 0 });
    await expectTerminated(jobId, tasks);
  });

  it("a worker whose budget ends with pages left hands over with one message, and the next delivery goes on from the job row's cursor", async () => {
    const { jobId, tasks } = await seed(12);
    const base = await appWith(2);
    const app = { ...base, sweep: { ...base.sweep, workerBudgetMs: 3_000 } };
    // Each page's listing takes half a second: a delivery's budget covers a few pages, not six.
    const slow = withSeam(table, 'listTaskPage', { after: () => new Promise((resolve) => setTimeout(resolve, 500)) });
    const dies = withSeam(slow, 'writeJob', { after: (call) => (call === 0 ? Promise.reject(new Error('gone')) : Promise.resolve()) });
    await expect(terminateJob({ ...app, store: dies }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) })).rejects.toThrow('gone');
    await app.sweeps.send({ job_id: jobId });
    const first = await runSweeps({ ...app, store: slow }, { maxDeliveries: 1 });
    expect(first).toMatchObject({ completed: 1, failed: 0, drained: false });
    const afterOne = await table.readJob(jobId);
    const swept = afterOne?.job.termination?.tasks_swept ?? 0;
    expect(afterOne?.job.state).toBe('terminating');
    expect(swept).toBeGreaterThan(0);
    expect(swept).toBeLessThan(12);
    expect(afterOne?.sweptThrough).toBe(`t${String(swept - 1).padStart(2, '0')}`);
    // The delivery ended normally (its message deleted) after sending exactly one to hand over; the safety message stays hidden.
    expect(await visibleMessages(app.sweeps)).toEqual([{ job_id: jobId }]);
    expect(await messagesOn(app.sweeps)).toBe(2);
    expect(await runSweeps(app)).toMatchObject({ failed: 0 });
    await expectTerminated(jobId, tasks);
  });
});

/**
 * Storage answering a listing as it may: the first page empty but with a continuation, the next cut
 * short (one row where three were asked for). Injected in the HTTP pipeline, on the sweep's
 * listings only (`RowKey lt 'task}'`); the rows themselves come from Azurite.
 */
function unevenPages(): PipelinePolicy & { served: string[] } {
  const isListing = (url: string): boolean => decodeURIComponent(url).includes("RowKey lt 'task}'");
  const policy = {
    name: 'unevenPages',
    served: [] as string[],
    async sendRequest(request: Parameters<PipelinePolicy['sendRequest']>[0], next: Parameters<PipelinePolicy['sendRequest']>[1]) {
      if (request.method !== 'GET' || !isListing(request.url) || policy.served.length >= 2) return next(request);
      request.url = request.url.replace(/(\$top=|%24top=)\d+/, '$11');
      const response = await next(request);
      if (policy.served.length === 1) {
        policy.served.push('short');
        return response;
      }
      policy.served.push('empty');
      // An empty page whose continuation points at the first row it could have returned.
      const first = (JSON.parse(response.bodyAsText ?? '{}') as { value: { PartitionKey: string; RowKey: string }[] }).value[0];
      if (first === undefined) return response;
      const token = (key: string): string => Buffer.from(key, 'utf8').toString('base64');
      return {
        ...response,
        headers: createHttpHeaders({ 'content-type': 'application/json;odata=minimalmetadata', 'x-ms-continuation-NextPartitionKey': token(first.PartitionKey), 'x-ms-continuation-NextRowKey': token(first.RowKey) }),
        bodyAsText: JSON.stringify({ value: [] }),
      };
    },
  };
  return policy;
}

describe('the end of a sweep', () => {
  it('is the page without a continuation: an empty page with one, or a short one, is not the end', async () => {
    const { jobId, tasks } = await seed(5);
    const app = await appWith(3);
    const uneven = unevenPages();
    const outcome: TerminateJobOutcome = await terminateJob({ ...app, store: tableWith(tableName, uneven) }, { jobId, reason: null, deadline: Deadline.ofSeconds(20) });
    expect(uneven.served).toEqual(['empty', 'short']);
    expect(outcome).toMatchObject({ kind: 'terminated', job: { state: 'completed' } });
    // Pages: the empty one followed within its page to t00 (one row, cut short), then t01–t03, then t04 (the last).
    await expectTerminated(jobId, tasks);
  });
});

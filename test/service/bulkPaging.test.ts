import { randomUUID } from 'node:crypto';

import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { InvocationContext } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';

import { reactivateFailedTasksBodySchema } from '../../src/domain/bulkRequest';
import type { BulkReactivationResult } from '../../src/domain/bulkResult';
import { reactivateTaskFromQueueHandler } from '../../src/functions/reactivateTaskFromQueue';
import { Deadline } from '../../src/service/deadline';
import { reactivateFailedTasks, type ReactivateFailedTasksOutcome } from '../../src/service/reactivateFailedTasks';
import type { TaskStore } from '../../src/service/taskStore';
import { terminateJob, type TerminateJobOutcome } from '../../src/service/terminateJob';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { decodeMessage } from '../../src/storage/messageQueue';
import { countStorageRequests } from '../../src/storage/requestMeter';
import { isCommit, isQuery } from '../support/faults';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { withPageRows, withSeam } from '../support/seams';
import { appFor, freshTable, tableWith, uniqueId, type TestApp } from '../support/storage';

let table: FixtureTable;
let tableName: string;
let app: TestApp;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  app = await appFor(table);
});

/** A job of `count` failed tasks (every tenth one running instead), ids t0000… in key order. */
async function seed(count: number): Promise<string> {
  const jobId = uniqueId('paged');
  await table.loadJob(
    aJob({ id: jobId }),
    Array.from({ length: count }, (_, i) => {
      const id = `t${String(i).padStart(4, '0')}`;
      return i % 10 === 9 ? aRunningTask({ id, job_id: jobId }) : aFailedTask({ id, job_id: jobId });
    }),
  );
  return jobId;
}

function run(jobId: string, body: unknown, store: TaskStore = table, deadline = Deadline.ofSeconds(20)): Promise<ReactivateFailedTasksOutcome> {
  return reactivateFailedTasks(
    { ...app, store },
    { jobId, body: reactivateFailedTasksBodySchema.parse(body), requestId: randomUUID(), clientRequestId: randomUUID(), trigger: 'http', deadline },
  );
}

function resultOf(outcome: ReactivateFailedTasksOutcome): BulkReactivationResult {
  if (outcome.kind !== 'bulkReactivated') throw new Error(`expected a result, got ${JSON.stringify(outcome)}`);
  return outcome.result;
}

/**
 * Records every listing request with the page size it asked for and the rows it got, and each
 * reactivation commit, in order. The transactions that mark events published, after the answer,
 * touch history rows only and are left out.
 */
function recorder(): PipelinePolicy & { log: string[]; pageSizes: number[]; rows: number[] } {
  const policy = {
    name: 'recorder',
    log: [] as string[],
    pageSizes: [] as number[],
    rows: [] as number[],
    async sendRequest(request: Parameters<PipelinePolicy['sendRequest']>[0], next: Parameters<PipelinePolicy['sendRequest']>[1]) {
      const response = await next(request);
      const url = decodeURIComponent(request.url);
      if (isQuery(request) && url.includes("RowKey lt 'task}'")) {
        policy.log.push('page');
        policy.pageSizes.push(Number(/\$top=(\d+)/.exec(url)?.[1] ?? NaN));
        policy.rows.push((JSON.parse(response.bodyAsText ?? '{"value":[]}') as { value: unknown[] }).value.length);
      } else if (isCommit(request) && /RowKey='task(\||%7C)/i.test(typeof request.body === 'string' ? request.body : '')) policy.log.push('commit');
      return response;
    },
  };
  return policy;
}

/** The table and queue requests of a call, the bookkeeping after its answer included. */
async function requestsOf(work: () => Promise<unknown>): Promise<{ table: number; queue: number }> {
  const { count, result } = countStorageRequests(work);
  await result;
  await app.outbox.settled();
  return { table: count.table, queue: count.queue };
}

/** Filing a job under the day its history will expire on: the first write of a process into a job and a day (docs/outbox.md). */
const RETENTION_COVER_AT_MOST = 3;

describe('a bulk call capped by max_tasks', () => {
  it('reads one page no larger than it needs, whatever the size of the job: the same requests for 200 tasks as for 2,000', async () => {
    const [small, large] = [await seed(200), await seed(2_000)];
    const costs: { table: number; queue: number }[] = [];
    for (const jobId of [small, large]) {
      const recorded = recorder();
      const outcome = await run(jobId, { max_tasks: 20 }, tableWith(tableName, recorded)).then((o) => o);
      costs.push(await requestsOf(() => run(jobId, { max_tasks: 20 }, tableWith(tableName))));
      expect(resultOf(outcome)).toMatchObject({ matched: 20, continuation: expect.any(String) as string });
      // One listing request, asking for one row more than it may take (to see whether the job goes on).
      expect([recorded.pageSizes, recorded.rows]).toEqual([[21], [21]]);
    }
    // Table: the job row, the page and the stored answer in one round trip, one transaction of 20,
    // the answer stored, and after the answer the 20 events marked published in one transaction.
    // Queue: the delayed check, the 20 events, the check withdrawn.
    expect(costs).toEqual([
      { table: 6, queue: 22 },
      { table: 6, queue: 22 },
    ]);
  });

  it('drained by continuation, costs requests in proportion to the tasks: each call one page, each page at most max_tasks + 1 rows', async () => {
    const jobId = await seed(300);
    const recorded = recorder();
    const store = tableWith(tableName, recorded);
    let calls = 0;
    let requests = { table: 0, queue: 0 };
    const reactivated: string[] = [];
    let continuation: string | null = null;
    do {
      const body: Record<string, unknown> = continuation === null ? { max_tasks: 25 } : { max_tasks: 25, continuation };
      let outcome: ReactivateFailedTasksOutcome | undefined;
      const cost = await requestsOf(async () => (outcome = await run(jobId, body, store)));
      requests = { table: requests.table + cost.table, queue: requests.queue + cost.queue };
      const result = resultOf(outcome as ReactivateFailedTasksOutcome);
      reactivated.push(...result.reactivated);
      continuation = result.continuation;
      calls += 1;
    } while (continuation !== null && calls < 50);
    expect(reactivated).toHaveLength(270);
    expect(new Set(reactivated).size).toBe(270);
    expect(calls).toBe(11);
    expect(Math.max(...recorded.pageSizes)).toBe(26);
    expect(recorded.rows.reduce((a, b) => a + b, 0)).toBeLessThan(270 + 2 * calls);
    expect(requests.table).toBeLessThanOrEqual(6 * calls + RETENTION_COVER_AT_MOST);
    // A check, its withdrawal and one event per task: in proportion to the tasks, not to the job's size.
    expect(requests.queue).toBe(2 * calls + 270);
  });
});

describe('a bulk call without max_tasks', () => {
  it('streams: a page is listed, decided and committed before the next page is read', async () => {
    const jobId = await seed(250);
    const recorded = recorder();
    const result = resultOf(await run(jobId, {}, withPageRows(tableWith(tableName, recorded), 100)));
    expect(result).toMatchObject({ matched: 225, continuation: null });
    expect(result.reactivated).toHaveLength(225);
    // Pages of 100, 100 and 25 failed tasks (filtered in storage); a transaction holds 33 (a task row,
    // its history row and the history's expiry index row each), so four for a full page.
    const commits = (n: number) => Array<string>(n).fill('commit');
    expect(recorded.log).toEqual(['page', ...commits(4), 'page', ...commits(4), 'page', 'commit']);
    expect(recorded.pageSizes).toEqual([100, 100, 100]);
  });

  it('stops before a page its time budget would not cover, with a continuation that resumes after the last page it covered', async () => {
    const jobId = await seed(300);
    const deadline = Deadline.ofSeconds(3);
    // The second page's last commit lands (a page of 50 failed tasks takes two), then its call waits
    // until the budget left is within the reserve.
    const slow = withSeam(withPageRows(table, 50), 'commitReactivations', {
      after: async (call) => {
        if (call !== 3) return;
        while (deadline.remainingMs() > 700) await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    const first = resultOf(await run(jobId, {}, slow, deadline));
    // Two pages of 50 failed tasks (the listing is filtered in storage).
    expect(first.reactivated).toHaveLength(100);
    expect(first.continuation).not.toBeNull();
    const rest = resultOf(await run(jobId, { continuation: first.continuation }));
    const all = [...first.reactivated, ...rest.reactivated];
    expect(new Set(all).size).toBe(270);
    expect(rest.continuation).toBeNull();
    for (const t of await table.listTasks(jobId)) expect(t.task.reactivation_count).toBe(t.task.state === 'running' ? 0 : 1);
  });
});

describe('a termination beginning between two pages of a bulk call', () => {
  it('stops the call at the next page: what the call committed is ended by the sweep, nothing after it is reactivated', async () => {
    const jobId = await seed(150);
    let termination: TerminateJobOutcome | undefined;
    // The first page (50 rows) is committed; before the second is read, the job is terminated.
    const store = withSeam(withPageRows(table, 50), 'listTaskPage', {
      before: async (call) => {
        if (call === 1) termination = await terminateJob(app, { jobId, reason: null, deadline: Deadline.ofSeconds(20) });
      },
    });
    const result = resultOf(await run(jobId, {}, store));
    expect(termination).toMatchObject({ kind: 'terminated', job: { state: 'completed' } });
    // The first page: the first 50 failed tasks (the listing is filtered in storage), t0000 to t0054.
    const firstPage = Array.from({ length: 55 }, (_, i) => `t${String(i).padStart(4, '0')}`).filter((_, i) => i % 10 !== 9);
    expect(result).toEqual({ job_id: jobId, dry_run: false, matched: 50, reactivated: firstPage, skipped: [], continuation: null });
    for (const t of await table.listTasks(jobId)) {
      expect(t.task.state).toBe('completed');
      expect(t.jobStamp).toBe('terminating');
      if (firstPage.includes(t.task.id)) expect(t.task).toMatchObject({ reactivation_count: 1, failure_info: { code: 'TaskEnded' } });
      else expect(t.task.reactivation_count).toBe(0);
    }
  });
});

describe('the bulk reactivation from the queue, without max_tasks', () => {
  it('drains a job by a chain of follow-up messages, each delivery stopping within its budget', async () => {
    const jobId = await seed(300);
    const own = await appFor(table);
    // Pages of 50, each commit slowed: a delivery's 1.5 s covers a few pages, not six.
    const slow = withSeam(withPageRows(table, 50), 'commitReactivations', { after: () => new Promise((resolve) => setTimeout(resolve, 250)) });
    const handler = reactivateTaskFromQueueHandler({ ...own, store: slow }, { budgetMs: 1_500 });
    let message: unknown = { type: 'reactivate_failed_tasks', job_id: jobId };
    let deliveries = 0;
    while (message !== undefined && deliveries < 20) {
      const started = performance.now();
      await handler(message, new InvocationContext({ invocationId: randomUUID(), functionName: 'reactivateTaskFromQueue', triggerMetadata: { id: randomUUID(), dequeueCount: 1 } }));
      deliveries += 1;
      // Bounded by its budget (plus the follow-up it sends), not by the size of the job.
      expect(performance.now() - started).toBeLessThan(10_000);
      const [next] = (await own.requests.queueClient.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
      message = next === undefined ? undefined : decodeMessage(next.messageText);
      if (next !== undefined) await own.requests.queueClient.deleteMessage(next.messageId, next.popReceipt);
    }
    expect(deliveries).toBeGreaterThan(1);
    expect(deliveries).toBeLessThan(20);
    for (const t of await table.listTasks(jobId)) expect(t.task.reactivation_count).toBe(t.task.state === 'running' ? 0 : 1);
  });
});

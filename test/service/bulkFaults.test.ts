import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { reactivateFailedTasksBodySchema } from '../../src/domain/bulkRequest';
import { Deadline } from '../../src/service/deadline';
import { reactivateFailedTasks, type ReactivateFailedTasksOutcome } from '../../src/service/reactivateFailedTasks';
import type { RetryStats } from '../../src/service/retryLoop';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { isCommit } from '../support/faults';
import { aFailedTask, aJob } from '../support/fixtures';
import { appFor, freshTable, tableWith, uniqueId, type TestApp } from '../support/storage';

/** Bulk reactivations whose commits fail in ways that leave their outcome unknown, or collide whole. */

let table: FixtureTable;
let app: TestApp;
let tableName: string;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  app = await appFor(table);
});

async function seed(count: number): Promise<string> {
  const jobId = uniqueId('bulkfault');
  await table.loadJob(aJob({ id: jobId }), Array.from({ length: count }, (_, i) => aFailedTask({ id: `t${String(i).padStart(3, '0')}`, job_id: jobId })));
  return jobId;
}

function bulk(on: FixtureTable, jobId: string, clientRequestId: string, stats?: RetryStats): Promise<ReactivateFailedTasksOutcome> {
  return reactivateFailedTasks(
    { ...app, store: on },
    { jobId, body: reactivateFailedTasksBodySchema.parse({}), requestId: randomUUID(), clientRequestId, trigger: 'http', deadline: Deadline.ofSeconds(20) },
    stats,
  );
}


describe('a bulk transaction whose outcome is unknown', () => {
  it('is answered as a fault, never as a partial answer that leaves it out; the retry with the same key lists every task', async () => {
    const jobId = await seed(150);
    // The second commit reaches storage, then storage keeps answering 503 to every later commit.
    let commits = 0;
    const flaky = tableWith(tableName, {
      name: 'secondCommitLost',
      async sendRequest(request, next) {
        if (!isCommit(request)) return next(request);
        commits += 1;
        if (commits === 2) {
          await next(request);
          return { request, status: 503, headers: request.headers, bodyAsText: '' };
        }
        if (commits > 2) return { request, status: 503, headers: request.headers, bodyAsText: '' };
        return next(request);
      },
    });
    const key = randomUUID();
    const first = await bulk(flaky, jobId, key);
    expect(first).toMatchObject({ kind: 'fault', code: 'SERVER_BUSY' });
    const retry = await bulk(table, jobId, key);
    expect(retry.kind).toBe('bulkReactivated');
    if (retry.kind !== 'bulkReactivated') return;
    expect(retry.result.reactivated).toHaveLength(150);
    expect(retry.result.continuation).toBeNull();
    const tasks = await table.listTasks(jobId);
    expect(tasks.every((t) => t.task.state === 'active' && t.task.reactivation_count === 1)).toBe(true);
  });
});

describe('two bulk calls on the same failed tasks', () => {
  it('the one that loses re-reads each transaction once, not row by row, and reactivates nothing twice', async () => {
    const jobId = await seed(200);
    // Both list the tasks before either commits: the first commit waits for the second listing.
    let listings = 0;
    let bothListed: () => void = () => undefined;
    const listed = new Promise<void>((resolve) => (bothListed = resolve));
    const holdUntilBothListed = tableWith(tableName, {
      name: 'holdCommits',
      async sendRequest(request, next) {
        if (request.method === 'GET' && decodeURIComponent(request.url).includes('$filter')) {
          const response = await next(request);
          listings += 1;
          if (listings === 2) bothListed();
          return response;
        }
        if (isCommit(request)) await listed;
        return next(request);
      },
    });
    const [a, b] = [{ conflicts: 0, faults: 0 }, { conflicts: 0, faults: 0 }];
    const [first, second] = await Promise.all([bulk(holdUntilBothListed, jobId, randomUUID(), a), bulk(holdUntilBothListed, jobId, randomUUID(), b)]);
    const reactivated = [first, second].flatMap((outcome) => (outcome.kind === 'bulkReactivated' ? outcome.result.reactivated : []));
    expect(new Set(reactivated).size).toBe(200);
    expect(reactivated).toHaveLength(200);
    // Each transaction that lost its race costs one conflict, whatever the rows moved.
    expect(a.conflicts + b.conflicts).toBeLessThanOrEqual(Math.ceil(200 / table.reactivationsPerCommit));
    for (const id of ['t000', 't199']) expect(await table.listHistory(jobId, id)).toHaveLength(1);
  });
});

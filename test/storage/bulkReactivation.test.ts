import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import type { BulkReactivationResult } from '../../src/domain/bulkResult';
import { planReactivation, type ReactivationChange } from '../../src/domain/reactivation';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { TableOutboxStore } from '../../src/storage/tableOutboxStore';
import { benchBulkReactivation } from '../../bench/bulkReactivation';
import { aFailedTask, aJob } from '../support/fixtures';
import { appFor, freshTable, uniqueId, type TestApp } from '../support/storage';

let table: FixtureTable;
let app: TestApp;

beforeAll(async () => {
  ({ table } = await freshTable());
  app = await appFor(table);
});

async function plannedChanges(count: number): Promise<{ jobId: string; changes: ReactivationChange[] }> {
  const jobId = uniqueId('bulk');
  const job = aJob({ id: jobId });
  await table.loadJob(job, Array.from({ length: count }, (_, n) => aFailedTask({ id: `t${String(n).padStart(3, '0')}`, job_id: jobId })));
  const jobSnapshot = await table.readJob(jobId);
  const listed = await table.listTasks(jobId);
  const request = { condition: { kind: 'none' as const }, idempotencyKey: 'k', requestId: 'k', clientRequestId: null, trigger: 'http' as const, eventId: 'e', now: new Date() };
  const changes = listed.map((snapshot, n) => planReactivation(jobSnapshot, snapshot, { ...request, eventId: `event-${n}` })).filter((plan): plan is ReactivationChange => plan.kind === 'change');
  return { jobId, changes };
}

describe('several reactivations in one transaction', () => {
  it('takes 33 reactivations to a commit: a task row, a history row and its expiry index row each, and refuses what would pass 100 rows', async () => {
    expect(table.reactivationsPerCommit).toBe(33);
    const { changes } = await plannedChanges(34);
    await expect(table.commitReactivations(changes, 'key-0')).rejects.toThrow(RangeError);
  });

  it('commits a group atomically: every task and every history row, born unpublished and claimed by the request', async () => {
    const { jobId, changes } = await plannedChanges(33);
    const commit = await table.commitReactivations(changes, 'key-1');
    if (commit.kind !== 'committed') throw new Error('not committed');
    const stored = await table.listTasks(jobId);
    expect(commit.rows.map((row) => row.taskEtag)).toEqual(stored.map((t) => t.etag));
    expect(stored.every((t) => t.task.state === 'active' && t.lastRequestId === 'key-1')).toBe(true);
    for (const id of ['t000', 't032']) expect(await table.listHistory(jobId, id)).toHaveLength(1);
    // Each outbox ref names its history row at the version the commit left.
    const outbox = await new TableOutboxStore(table.tableClient).findOutbox(jobId, changes.map((change) => change.task.id), 'k');
    const byRow = (a: { row: string }, b: { row: string }) => (a.row < b.row ? -1 : 1);
    expect(outbox.every((row) => !row.published && row.claimedBy === 'key-1')).toBe(true);
    expect(outbox.map((row) => row.ref).sort(byRow)).toEqual(commit.rows.map((row) => row.outbox).sort((a, b) => byRow(a!, b!)));
  });

  it('commits none of the group when one row moved', async () => {
    const { jobId, changes } = await plannedChanges(33);
    const moved = changes[27];
    if (moved === undefined) throw new Error('no change 27');
    // Someone else writes task 37 between the plan and the commit.
    expect((await table.commitReactivations([moved], 'someone-else')).kind).toBe('committed');
    expect(await table.commitReactivations(changes, 'key-2')).toEqual({ kind: 'conflict' });
    const tasks = await table.listTasks(jobId);
    expect(tasks.filter((t) => t.task.state === 'active').map((t) => t.task.id)).toEqual([moved.task.id]);
    expect(await table.listHistory(jobId, 't000')).toEqual([]);
  });
});

describe('the stored answer of a bulk reactivation', () => {
  it('reads back exactly, even 10,000 ids of 64 random characters, and outside the rows a sweep lists', async () => {
    const jobId = uniqueId('stored');
    await table.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 'only', job_id: jobId })]);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
    const randomId = (): string => Array.from({ length: 64 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
    const result: BulkReactivationResult = {
      job_id: jobId,
      dry_run: false,
      matched: 10_001,
      reactivated: Array.from({ length: 10_000 }, randomId),
      skipped: [{ id: 'gone', code: 'TASK_NOT_FOUND', message: 'The task does not exist in this job.' }],
      continuation: 'eyJ2IjoxfQ',
    };
    const key = randomUUID();
    const savedAt = new Date().toISOString();
    await table.saveBulkAnswer(jobId, key, { fingerprint: 'fp-1', result, savedAt });
    await table.saveBulkAnswer(jobId, key, { fingerprint: 'fp-2', result: { ...result, reactivated: [] }, savedAt });
    expect(await table.readBulkAnswer(jobId, key)).toEqual({ fingerprint: 'fp-1', result, savedAt });
    expect(await table.readBulkAnswer(jobId, randomUUID())).toBeNull();
    expect((await table.listTasks(jobId)).map((t) => t.task.id)).toEqual(['only']);
  });
});

describe('what a bulk reactivation costs in storage requests', () => {
  it('reactivates 1,000 failed tasks in tens of table requests, and one queue request per event', async () => {
    const figures = await benchBulkReactivation({ table, deps: app }, 1_000);
    expect(figures.reactivated).toBe(1_000);
    expect(figures.conflicts).toBe(0);
    const transactions = Math.ceil(1_000 / table.reactivationsPerCommit);
    // Table: the read (job, listing, stored answer), the retention filing (a row and the day's
    // schedule), each transaction and its outbox mark, the stored answer.
    expect(figures.tableRequests).toBeGreaterThanOrEqual(3 + 2 * transactions + 1);
    expect(figures.tableRequests).toBeLessThanOrEqual(3 + 3 + 2 * transactions + 1);
    // Queue: each event, and per transaction its delayed check and the check's withdrawal; the day's expiry message.
    const queue = figures.storageRequests - figures.tableRequests;
    expect(queue).toBeGreaterThanOrEqual(1_000 + 2 * transactions);
    expect(queue).toBeLessThanOrEqual(1_000 + 2 * transactions + 1);
  });
});

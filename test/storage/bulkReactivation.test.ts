import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import type { BulkReactivationResult } from '../../src/domain/bulkResult';
import { planReactivation, type ReactivationChange } from '../../src/domain/reactivation';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
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
  it('takes 50 reactivations to a commit: two rows each, and refuses what would pass 100 rows', async () => {
    expect(table.reactivationsPerCommit).toBe(50);
    const { changes } = await plannedChanges(51);
    await expect(table.commitReactivations(changes, 'key-0')).rejects.toThrow(RangeError);
  });

  it('commits a group atomically: every task and every history row', async () => {
    const { jobId, changes } = await plannedChanges(50);
    const commit = await table.commitReactivations(changes, 'key-1');
    expect(commit.kind).toBe('committed');
    const stored = await table.listTasks(jobId);
    expect(commit).toEqual({ kind: 'committed', taskEtags: stored.map((t) => t.etag) });
    const tasks = await table.listTasks(jobId);
    expect(tasks.every((t) => t.task.state === 'active' && t.lastRequestId === 'key-1')).toBe(true);
    for (const id of ['t000', 't049']) expect(await table.listHistory(jobId, id)).toHaveLength(1);
  });

  it('commits none of the group when one row moved', async () => {
    const { jobId, changes } = await plannedChanges(50);
    const moved = changes[37];
    if (moved === undefined) throw new Error('no change 37');
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
    await table.saveBulkAnswer(jobId, key, { fingerprint: 'fp-1', result });
    await table.saveBulkAnswer(jobId, key, { fingerprint: 'fp-2', result: { ...result, reactivated: [] } });
    expect(await table.readBulkAnswer(jobId, key)).toEqual({ fingerprint: 'fp-1', result });
    expect(await table.readBulkAnswer(jobId, randomUUID())).toBeNull();
    expect((await table.listTasks(jobId)).map((t) => t.task.id)).toEqual(['only']);
  });
});

describe('what a bulk reactivation costs in storage requests', () => {
  it('reactivates 1,000 failed tasks in tens of requests, not thousands', async () => {
    const figures = await benchBulkReactivation({ table, deps: app }, 1_000);
    expect(figures.reactivated).toBe(1_000);
    expect(figures.conflicts).toBe(0);
    // Read (job, listing, stored answer), 20 transactions of 50, and storing the answer.
    expect(figures.storageRequests).toBeGreaterThanOrEqual(23);
    expect(figures.storageRequests).toBeLessThanOrEqual(30);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';

import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { freshTable, uniqueId } from '../support/storage';

let table: FixtureTable;

beforeAll(async () => {
  ({ table } = await freshTable());
});

describe('the job row', () => {
  it('keeps the termination progress and the sweep cursor through a conditional write, and refuses a stale version', async () => {
    const jobId = uniqueId('row');
    await table.loadJob(aJob({ id: jobId }), []);
    const seeded = await table.readJob(jobId);
    // Written before sweeps were durable, or seeded: no progress, no cursor.
    expect(seeded).toMatchObject({ job: { termination: null }, sweptThrough: null });
    const termination = { started_at: '2025-01-02T00:00:00.000Z', tasks_swept: 1_000, last_progress_at: '2025-01-02T00:00:05.000Z' };
    const row = { job: aJob({ id: jobId, state: 'terminating', termination_reason: 'Why', termination }), sweptThrough: 't-0999' };
    const write = await table.writeJob(row, seeded?.etag ?? '');
    expect(write.kind).toBe('written');
    expect(await table.readJob(jobId)).toEqual({ ...row, etag: write.kind === 'written' ? write.etag : '' });
    expect(await table.writeJob({ ...row, sweptThrough: 't-1999' }, seeded?.etag ?? '')).toEqual({ kind: 'conflict' });
    expect((await table.readJob(jobId))?.sweptThrough).toBe('t-0999');
  });
});

describe('listing task rows a page at a time', () => {
  async function seed(count: number): Promise<string> {
    const jobId = uniqueId('pages');
    await table.loadJob(
      aJob({ id: jobId }),
      Array.from({ length: count }, (_, i) => (i % 2 === 0 ? aFailedTask({ id: `t${i}`, job_id: jobId }) : aRunningTask({ id: `t${i}`, job_id: jobId }))),
    );
    return jobId;
  }

  it('returns at most the page size after the key given, and a resume that goes on where it stopped; the last page has none', async () => {
    const jobId = await seed(5);
    const all = { kind: 'all' as const };
    const first = await table.listTaskPage(jobId, { after: null, rows: all }, { size: 2, resume: null });
    expect(first.tasks.map((t) => t.task.id)).toEqual(['t0', 't1']);
    expect(first.resume).not.toBeNull();
    const second = await table.listTaskPage(jobId, { after: null, rows: all }, { size: 2, resume: first.resume });
    expect(second.tasks.map((t) => t.task.id)).toEqual(['t2', 't3']);
    const fromKey = await table.listTaskPage(jobId, { after: 't3', rows: all }, { size: 2, resume: null });
    expect(fromKey).toMatchObject({ tasks: [{ task: { id: 't4' } }], resume: null });
    // Filtered in storage: the failed rows, and those a key reactivated.
    const failed = await table.listTaskPage(jobId, { after: null, rows: { kind: 'failedOrCarrying', key: 'k' } }, { size: 10, resume: null });
    expect(failed.tasks.map((t) => t.task.id)).toEqual(['t0', 't2', 't4']);
    expect(await table.listTaskPage(jobId, { after: null, rows: { kind: 'carrying', key: 'k' } }, { size: 10, resume: null })).toEqual({ tasks: [], resume: null });
  });

  it('refuses a page larger than storage returns', async () => {
    await expect(table.listTaskPage('j', { after: null, rows: { kind: 'all' } }, { size: 1_001, resume: null })).rejects.toThrow(RangeError);
    expect(table.maxRowsPerPage).toBe(1_000);
  });
});

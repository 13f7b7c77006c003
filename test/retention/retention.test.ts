import { randomUUID } from 'node:crypto';

import { InvocationContext } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';

import { expireHistoryHandler } from '../../src/functions/expireHistory';
import { Deadline } from '../../src/service/deadline';
import { reactivateFailedTasks } from '../../src/service/reactivateFailedTasks';
import { reactivateTask } from '../../src/service/reactivateTask';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { RETENTION_DAYS_PARTITION } from '../../src/storage/keys';
import { aFailedTask, aJob } from '../support/fixtures';
import { messagesOn } from '../support/queueRunner';
import { appFor, freshTable, uniqueId, type TestApp } from '../support/storage';

/** Retention with a clock the test moves: which rows go, which stay, and what the task rows keep. */

let table: FixtureTable;
let now: Date;
let app: TestApp;

beforeAll(async () => {
  ({ table } = await freshTable());
  app = await appFor(table, { clock: () => now, retentionDays: 30 });
});

const at = (iso: string): Date => new Date(iso);

/** One delivery of a day's expiry message, as the host makes it; the function's log line. */
async function expire(day: string): Promise<string> {
  const logs: string[] = [];
  const context = new InvocationContext({ invocationId: randomUUID(), functionName: 'expireHistory', logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')) });
  await expireHistoryHandler(app)({ day }, context);
  return logs.join('\n');
}

function single(jobId: string, taskId: string) {
  return reactivateTask(app, { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(20) });
}

function bulk(jobId: string, clientRequestId: string) {
  return reactivateFailedTasks(app, { jobId, body: { task_ids: ['t2'], max_tasks: 10_000, dry_run: false }, requestId: randomUUID(), clientRequestId, trigger: 'http', deadline: Deadline.ofSeconds(20) });
}

/** The job's rows besides the job row and the task rows: history, stored answers, expiry index rows. */
async function otherRows(jobId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const row of table.tableClient.listEntities({ queryOptions: { filter: `PartitionKey eq '${jobId.toLowerCase()}'` } })) keys.push(row.rowKey ?? '');
  return keys.filter((key) => !key.startsWith('task|') && key !== 'job');
}

describe('history retention', () => {
  it('deletes exactly the rows past the retention period, day by day, and keeps what idempotency needs', async () => {
    const jobId = uniqueId('retention');
    await table.loadJob(aJob({ id: jobId }), ['t0', 't1', 't2'].map((id) => aFailedTask({ id, job_id: jobId })));
    const clientRequestId = randomUUID();

    now = at('2026-01-01T10:00:00.000Z');
    expect(await single(jobId, 't0')).toMatchObject({ kind: 'reactivated' });
    expect(await bulk(jobId, clientRequestId)).toMatchObject({ kind: 'bulkReactivated', result: { reactivated: ['t2'] } });
    now = at('2026-01-20T10:00:00.000Z');
    expect(await single(jobId, 't1')).toMatchObject({ kind: 'reactivated' });
    await app.outbox.settled();

    // Each day with rows has one expiry message, and is on the schedule.
    expect(await messagesOn(app.retentionQueue)).toBe(2);
    const scheduled: string[] = [];
    for await (const row of table.tableClient.listEntities({ queryOptions: { filter: `PartitionKey eq '${RETENTION_DAYS_PARTITION}'` } })) scheduled.push(row.rowKey ?? '');
    expect(scheduled).toEqual(['20260101', '20260120']);
    const before = await otherRows(jobId);
    // Three history rows and a stored answer, each with its expiry index row.
    expect(before).toHaveLength(8);

    // Not yet due: the message waits again, and nothing is deleted.
    expect(await expire('20260101')).toContain('"outcome":"not yet due"');
    expect(await otherRows(jobId)).toEqual(before);

    // Past 30 days after 1 January: that day's history and stored answer go, with their index rows.
    now = at('2026-02-01T00:00:01.000Z');
    expect(await expire('20260101')).toContain('"deleted":3');
    expect(await expire('20260101')).toContain('"outcome":"done"');
    expect(await table.listHistory(jobId, 't0')).toEqual([]);
    expect(await table.listHistory(jobId, 't2')).toEqual([]);
    expect(await table.readBulkAnswer(jobId, clientRequestId)).toBeNull();
    expect(await table.listHistory(jobId, 't1')).toHaveLength(1);
    expect((await otherRows(jobId)).sort()).toEqual(before.filter((key) => key.includes('|t1|')).sort());

    // The task rows keep the request keys: a repeat of the bulk call still learns it reactivated t2.
    expect(await bulk(jobId, clientRequestId)).toMatchObject({ kind: 'bulkReactivated', result: { reactivated: ['t2'] } });
    expect((await table.readTask(jobId, 't2'))?.task.reactivation_count).toBe(1);

    now = at('2026-02-20T00:00:01.000Z');
    await expire('20260120');
    await expire('20260120');
    expect(await table.listHistory(jobId, 't1')).toEqual([]);
  });

  it('costs what it deletes: a day of 40 rows in one job takes a handful of requests', async () => {
    const jobId = uniqueId('retention-cost');
    await table.loadJob(aJob({ id: jobId }), Array.from({ length: 40 }, (_, n) => aFailedTask({ id: `t${n}`, job_id: jobId })));
    now = at('2026-03-01T10:00:00.000Z');
    for (let n = 0; n < 40; n += 1) await single(jobId, `t${n}`);
    await app.outbox.settled();
    now = at('2026-04-01T00:00:01.000Z');
    const log = await expire('20260301');
    expect(log).toContain('"deleted":40');
    // One page of the day's jobs, one of the job's index rows, a transaction per 50 row pairs, the
    // job's filing removed, the day's next message.
    expect(Number(/"storageRequests":(\d+)/.exec(log)?.[1])).toBeLessThanOrEqual(1 + 1 + 2 + 1 + 1);
  });
});

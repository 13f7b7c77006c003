import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { checkOutboxHandler } from '../../src/functions/checkOutbox';
import type { HistoryRecord } from '../../src/domain/history';
import { Deadline } from '../../src/service/deadline';
import { reactivateTask } from '../../src/service/reactivateTask';
import { toHistoryEntity } from '../../src/storage/entities';
import { countStorageRequests } from '../../src/storage/requestMeter';
import { aFailedTask, aJob } from '../support/fixtures';
import { deliverVisible, eventually, messagesOn } from '../support/queueRunner';
import { withSeam } from '../support/seams';
import { appFor, freshTable, uniqueId } from '../support/storage';

/**
 * What it costs to deliver the events a dead publisher left, against how much history the table
 * holds: the checks read the rows of the tasks they name, so 50,000 history rows around the 100
 * pending ones cost the same requests as none.
 */

const PENDING = 100;
const HISTORY = 50_000;
const FAST = { checkDelaySeconds: 1, leaseSeconds: 1 };

function publishedRecord(jobId: string, taskId: string, n: number): HistoryRecord {
  return {
    job_id: jobId,
    task_id: taskId,
    reactivated_at: '2026-11-01T00:00:00.000Z',
    reactivation_number: n,
    event_id: randomUUID(),
    request_id: randomUUID(),
    client_request_id: null,
    trigger: 'http',
    completed_at: '2026-10-31T00:00:00.000Z',
    exit_code: 3,
    result: 'failure',
    failure_info: null,
    retry_count: 0,
    max_retry_count: 0,
    start_time: null,
    end_time: null,
    last_retry_time: null,
  };
}

/** Requests to deliver the events of PENDING reactivations whose publisher died, in a table with `history` other history rows. */
async function relayCost(history: number): Promise<{ requests: number; events: number }> {
  const { table } = await freshTable();
  const app = await appFor(table, { timing: FAST });
  // The history the checks must not read: published rows of other tasks, spread over jobs of 1,000.
  for (let job = 0; job * 1_000 < history; job += 1) {
    const jobId = `history-${job}`;
    const rows = Array.from({ length: Math.min(1_000, history - job * 1_000) }, (_, n) => ({ ...toHistoryEntity(publishedRecord(jobId, `old-${n % 250}`, 1 + Math.floor(n / 250)), 'gone'), event_published: true }));
    await Promise.all(Array.from({ length: Math.ceil(rows.length / 100) }, (_, b) => table.tableClient.submitTransaction(rows.slice(b * 100, (b + 1) * 100).map((row) => ['create', row]))));
  }
  const jobId = uniqueId('pending');
  await table.loadJob(aJob({ id: jobId }), Array.from({ length: PENDING }, (_, n) => aFailedTask({ id: `t${String(n).padStart(3, '0')}`, job_id: jobId })));
  const dies = { ...app, store: withSeam(table, 'commitReactivations', { after: () => Promise.reject(new Error('died')) }) };
  await Promise.all(
    Array.from({ length: PENDING }, (_, n) =>
      reactivateTask(dies, { jobId, taskId: `t${String(n).padStart(3, '0')}`, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(20) }).catch(() => undefined),
    ),
  );
  const handler = checkOutboxHandler(app);
  const { count, result } = countStorageRequests(async () => {
    await eventually(async () => {
      await deliverVisible(app.outboxChecks, handler);
      return (await messagesOn(app.outboxChecks)) === 0;
    }, 60_000);
  });
  await result;
  return { requests: count.requests, events: await messagesOn(app.events) };
}

describe('delivering what dead publishers left, at any size of history', () => {
  let empty: { requests: number; events: number };
  let full: { requests: number; events: number };
  beforeAll(async () => {
    [empty, full] = [await relayCost(0), await relayCost(HISTORY)];
  }, 300_000);

  it(`costs as many requests with ${HISTORY.toLocaleString('en')} history rows as with none`, () => {
    expect(empty.events).toBe(PENDING);
    expect(full.events).toBe(PENDING);
    // Per pending event: two looks at its check (the second after a lease), a claim, the send, a
    // read of the task for its ETag, the mark, and the check's own messages; polling may add a few.
    expect(empty.requests).toBeGreaterThanOrEqual(PENDING * 6);
    expect(empty.requests).toBeLessThanOrEqual(PENDING * 8);
    expect(full.requests / empty.requests).toBeGreaterThan(0.9);
    expect(full.requests / empty.requests).toBeLessThan(1.1);
  });
});

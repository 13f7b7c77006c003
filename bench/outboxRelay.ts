import { randomUUID } from 'node:crypto';

import type { AppDependencies } from '../src/compose';
import type { HistoryRecord } from '../src/domain/history';
import { checkMessageSchema } from '../src/outbox/checkMessage';
import { Deadline } from '../src/service/deadline';
import { reactivateTask } from '../src/service/reactivateTask';
import { decodeMessage, type MessageQueue } from '../src/storage/messageQueue';
import { toHistoryEntity } from '../src/storage/entities';
import type { FixtureTable } from '../src/storage/fixtureLoader';
import { countStorageRequests } from '../src/storage/requestMeter';
import { aFailedTask, aJob } from '../test/support/fixtures';
import { withSeam } from '../test/support/seams';

/** A reactivation record long published, for filling a table with history the checks must not read. */
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

export interface RelayCost {
  history: number;
  pending: number;
  /** The app's storage requests to deliver every pending event (the host's dequeues aside). */
  requests: number;
  events: number;
}

/** Writes `history` published history rows, spread over jobs of 1,000 rows. */
async function fillHistory(table: FixtureTable, history: number): Promise<void> {
  for (let job = 0; job * 1_000 < history; job += 1) {
    const jobId = `history-${job}`;
    const rows = Array.from({ length: Math.min(1_000, history - job * 1_000) }, (_, n) => ({
      ...toHistoryEntity(publishedRecord(jobId, `old-${n % 250}`, 1 + Math.floor(n / 250)), 'gone'),
      event_published: true,
    }));
    await Promise.all(Array.from({ length: Math.ceil(rows.length / 100) }, (_, b) => table.tableClient.submitTransaction(rows.slice(b * 100, (b + 1) * 100).map((row) => ['create', row]))));
  }
}

/** Runs the checks due on their queue as the host would (deleting each once done), until none is left. */
async function drainChecks(queue: MessageQueue, deps: AppDependencies, withinMs: number): Promise<void> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    const { receivedMessageItems } = await queue.queueClient.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
    for (const item of receivedMessageItems) {
      await deps.outbox.check(checkMessageSchema.parse(decodeMessage(item.messageText)), `check:${randomUUID()}`, Deadline.ofSeconds(30).signal);
      await queue.queueClient.deleteMessage(item.messageId, item.popReceipt);
    }
    if (((await queue.queueClient.getProperties()).approximateMessagesCount ?? 0) === 0) return;
    if (receivedMessageItems.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('bench: the checks did not run out');
}

/**
 * What the checks cost to deliver the events of `pending` reactivations whose instance died right
 * after its commit, in a table that also holds `history` history rows of other tasks. `app` must
 * run on short delays (a check a second after its request) and on `table`.
 */
export async function relayCost(table: FixtureTable, app: AppDependencies & { outboxChecks: MessageQueue; events: MessageQueue }, history: number, pending: number): Promise<RelayCost> {
  await fillHistory(table, history);
  const jobId = `pending-${randomUUID().slice(0, 8)}`;
  const taskIds = Array.from({ length: pending }, (_, n) => `t${String(n).padStart(4, '0')}`);
  await table.loadJob(aJob({ id: jobId }), taskIds.map((id) => aFailedTask({ id, job_id: jobId })));
  // The instance dies once its commit landed: the events are left to the checks.
  const dies = { ...app, store: withSeam(table, 'commitReactivations', { after: () => Promise.reject(new Error('died')) }) };
  await Promise.all(
    taskIds.map((taskId) =>
      reactivateTask(dies, { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(20) }).catch(() => undefined),
    ),
  );
  const { count, result } = countStorageRequests(() => drainChecks(app.outboxChecks, app, 120_000));
  await result;
  return { history, pending, requests: count.requests, events: (await app.events.queueClient.getProperties()).approximateMessagesCount ?? 0 };
}

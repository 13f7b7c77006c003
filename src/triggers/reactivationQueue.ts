import { createHash, randomUUID } from 'node:crypto';

import type { InvocationContext, StorageQueueHandler } from '@azure/functions';

import { rejectedEvent } from '../domain/events';
import { Deadline, MAX_TIMEOUT_SECONDS } from '../service/deadline';
import { announceReactivation, type AnnounceDeps } from '../service/announceReactivation';
import { reactivateFailedTasks } from '../service/reactivateFailedTasks';
import { reactivateTask, type ReactivateTaskDeps } from '../service/reactivateTask';
import type { RetryStats } from '../service/retryLoop';
import type { MessageQueue } from '../storage/messageQueue';
import { countStorageRequests } from '../storage/requestMeter';
import { queueMetadataOf, type QueueFunctionDefinition } from './definitions';
import { parseQueueRequest, type FailedTasksMessage, type ReactivationMessage } from './reactivationMessage';
import { NO_CONDITION } from '../domain/conditions';

export interface ReactivationQueueDeps extends ReactivateTaskDeps, AnnounceDeps {
  /** Where a message that can never succeed goes at once, with the reason. */
  poison: MessageQueue;
  /** The requests queue itself, for the follow-up of a bulk reactivation that did not finish. */
  requests: MessageQueue;
}

/** Thrown so that the host redelivers the message; after its last attempt the host poisons it. */
export class TransientQueueFailure extends Error {
  override readonly name = 'TransientQueueFailure';
}

/**
 * A queue message holds at most 64 KiB once base64-encoded, and the poison record wraps the original
 * in more JSON: an original that could not fit is kept as a prefix of its text.
 */
const MAX_POISONED_CHARS = 32 * 1024;

function poisonedCopy(message: unknown): { message: unknown } | { message_prefix: string } {
  const text = typeof message === 'string' ? message : (JSON.stringify(message) as string | undefined) ?? 'undefined';
  return text.length <= MAX_POISONED_CHARS ? { message } : { message_prefix: text.slice(0, MAX_POISONED_CHARS) };
}

/**
 * A UUID derived from a request and what it led to: the same refusal of the same request gets the
 * same event id (consumers drop the repeat), the same continuation the same follow-up request id.
 */
function stableId(key: string, about: string): string {
  const hex = createHash('sha256').update(`${key}|${about}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

interface Handled {
  outcome: string;
  jobId: string | null;
  taskId: string | null;
}

/**
 * The queue entry point of the reactivation, through the same services as the HTTP routes: one
 * task, or (with `"type": "reactivate_failed_tasks"`) the failed tasks of a job. Success and
 * business refusals complete the message; a malformed message goes to the poison queue at once
 * (five deliveries would not fix it); a storage fault or a deadline throws, so the host delivers
 * the message again, up to its maximum dequeue count.
 */
export function makeReactivationQueueHandler(deps: ReactivationQueueDeps): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext) => {
    const started = performance.now();
    const requestId = randomUUID();
    const metadata = queueMetadataOf(context);
    const stats: RetryStats = { conflicts: 0, faults: 0 };
    // One budget for the whole message: its reactivation, its events, a poison or follow-up message.
    const deadline = Deadline.ofSeconds(MAX_TIMEOUT_SECONDS);
    const log = (fields: Handled | { outcome: string; error: string }, requests: number): void => {
      context.info(
        JSON.stringify({
          event: 'queue-message',
          requestId,
          route: 'reactivateTaskFromQueue',
          messageId: metadata.id,
          dequeueCount: metadata.dequeueCount,
          ...fields,
          storageRequests: requests,
          conflicts: stats.conflicts,
          durationMs: Math.round(performance.now() - started),
        }),
      );
    };
    const poisoned = async (reason: string): Promise<Handled> => {
      await deps.poison.send({ reason, ...poisonedCopy(message), message_id: metadata.id, dequeue_count: metadata.dequeueCount, request_id: requestId }, deadline.signal);
      return { outcome: 'POISONED', jobId: null, taskId: null };
    };

    const { count, result } = countStorageRequests(async (): Promise<Handled> => {
      const parsed = parseQueueRequest(message);
      if (!parsed.ok) return poisoned(`Invalid message: ${parsed.reason}`);
      const key = (parsed.request.message.request_id ?? metadata.id ?? requestId).toLowerCase();
      return parsed.request.kind === 'task'
        ? reactivateOne(deps, parsed.request.message, { key, requestId, deadline, stats })
        : reactivateFailed(deps, parsed.request.message, { key, requestId, deadline, stats }, poisoned);
    });
    try {
      const fields = await result;
      log(fields, count.requests);
    } catch (error) {
      log({ outcome: 'RETRY', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, count.requests);
      throw error;
    }
  };
}

/** What every message's handling shares: its idempotency key, its request id, its budget, its counters. */
interface Delivery {
  key: string;
  requestId: string;
  deadline: Deadline;
  stats: RetryStats;
}

async function reactivateOne(deps: ReactivationQueueDeps, message: ReactivationMessage, { key, requestId, deadline, stats }: Delivery): Promise<Handled> {
  const { job_id: jobId, task_id: taskId } = message;
  const outcome = await reactivateTask(
    deps,
    {
      jobId,
      taskId,
      condition: message.if_match !== undefined ? { kind: 'ifMatch', etag: message.if_match } : NO_CONDITION,
      requestId,
      clientRequestId: key,
      trigger: 'queue',
      deadline,
    },
    stats,
  );
  if (outcome.kind === 'fault') throw new TransientQueueFailure(`${outcome.code}: ${outcome.message}`);
  if (outcome.kind === 'rejection') {
    // Sent before the message completes: if this send fails, the message is delivered again.
    await deps.events.send(
      rejectedEvent({ eventId: stableId(key, outcome.code), jobId, taskId, requestId: key, code: outcome.code, message: outcome.message, now: new Date() }),
      deadline.signal,
    );
    return { outcome: outcome.code, jobId, taskId };
  }
  if (outcome.history !== null) await announceReactivation(deps, outcome.history, outcome.etag, deadline.signal);
  return { outcome: outcome.replayed ? 'OK (replayed)' : 'OK', jobId, taskId };
}

/**
 * The bulk reactivation from the queue. Its events reach `task-events` through the outbox relay, as
 * for the HTTP route. When the time budget or `max_tasks` stops it before the end of the job, the
 * rest is asked for by a follow-up message carrying the continuation, with a request id derived from
 * this one: a redelivery of this message sends the same follow-up, which then replays.
 */
async function reactivateFailed(
  deps: ReactivationQueueDeps,
  message: FailedTasksMessage,
  { key, requestId, deadline, stats }: Delivery,
  poisoned: (reason: string) => Promise<Handled>,
): Promise<Handled> {
  const { type, job_id: jobId, request_id, ...body } = message;
  const outcome = await reactivateFailedTasks({ table: deps.table }, { jobId, body, requestId, clientRequestId: key, trigger: 'queue', deadline }, stats);
  if (outcome.kind === 'fault') throw new TransientQueueFailure(`${outcome.code}: ${outcome.message}`);
  if (outcome.kind === 'invalid') return poisoned(`Invalid message: ${outcome.field.replace(/^body\./, '')} ${outcome.message}`);
  if (outcome.kind === 'rejection') return { outcome: outcome.code, jobId, taskId: null };
  const { continuation, reactivated, dry_run } = outcome.result;
  if (continuation !== null && !dry_run) {
    await deps.requests.send({ ...message, continuation, request_id: stableId(key, continuation) }, deadline.signal);
  }
  return { outcome: `OK (${reactivated.length} reactivated${continuation !== null ? ', continued' : ''})`, jobId, taskId: null };
}

export const reactivationQueueFunction: QueueFunctionDefinition = {
  name: 'reactivateTaskFromQueue',
  queueName: (config) => config.reactivationQueueName,
  makeHandler: (deps) =>
    makeReactivationQueueHandler({ table: deps.table, events: deps.events, poison: deps.reactivationPoison, requests: deps.reactivationRequests }),
};

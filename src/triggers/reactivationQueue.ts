import { createHash, randomUUID } from 'node:crypto';

import type { InvocationContext, StorageQueueHandler } from '@azure/functions';

import { rejectedEvent } from '../domain/events';
import { Deadline, MAX_TIMEOUT_SECONDS } from '../service/deadline';
import { announceReactivation, type AnnounceDeps } from '../service/announceReactivation';
import { reactivateTask, type ReactivateTaskDeps } from '../service/reactivateTask';
import type { RetryStats } from '../service/retryLoop';
import type { MessageQueue } from '../storage/messageQueue';
import { countStorageRequests } from '../storage/requestMeter';
import { queueMetadataOf, type QueueFunctionDefinition } from './definitions';
import { reactivationMessageSchema } from './reactivationMessage';

export interface ReactivationQueueDeps extends ReactivateTaskDeps, AnnounceDeps {
  /** Where a message that can never succeed goes at once, with the reason. */
  poison: MessageQueue;
}

/** Thrown so that the host redelivers the message; after its last attempt the host poisons it. */
export class TransientQueueFailure extends Error {
  override readonly name = 'TransientQueueFailure';
}

/** The same request refused twice gets the same event id, so consumers can drop the repeat. */
function stableEventId(key: string, code: string): string {
  const hex = createHash('sha256').update(`${key}|${code}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The queue entry point of the reactivation, through the same service as the HTTP route.
 * Success and business refusals complete the message; a malformed message goes to the poison queue
 * at once (five deliveries would not fix it); a storage fault or a deadline throws, so the host
 * delivers the message again, up to its maximum dequeue count.
 */
export function makeReactivationQueueHandler(deps: ReactivationQueueDeps): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext) => {
    const started = performance.now();
    const requestId = randomUUID();
    const metadata = queueMetadataOf(context);
    const stats: RetryStats = { conflicts: 0, faults: 0 };
    const log = (fields: Record<string, unknown>, requests: number): void => {
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

    const parsed = reactivationMessageSchema.safeParse(message);
    const { count, result } = countStorageRequests(async () => {
      if (!parsed.success) {
        const reason = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'} ${i.message}`).join('; ');
        await deps.poison.send({ reason: `Invalid message: ${reason}`, message, message_id: metadata.id, dequeue_count: metadata.dequeueCount, request_id: requestId });
        return { outcome: 'POISONED', jobId: null, taskId: null };
      }
      const { job_id: jobId, task_id: taskId } = parsed.data;
      const key = (parsed.data.request_id ?? metadata.id ?? requestId).toLowerCase();
      const outcome = await reactivateTask(
        deps,
        {
          jobId,
          taskId,
          condition: parsed.data.if_match !== undefined ? { kind: 'ifMatch', etag: parsed.data.if_match } : { kind: 'none' },
          requestId,
          clientRequestId: key,
          trigger: 'queue',
          deadline: Deadline.ofSeconds(MAX_TIMEOUT_SECONDS),
        },
        stats,
      );
      if (outcome.kind === 'fault') throw new TransientQueueFailure(`${outcome.code}: ${outcome.message}`);
      if (outcome.kind === 'rejection') {
        // Sent before the message completes: if this send fails, the message is delivered again.
        await deps.events.send(
          rejectedEvent({ eventId: stableEventId(key, outcome.code), jobId, taskId, requestId: key, code: outcome.code, message: outcome.message, now: new Date() }),
        );
        return { outcome: outcome.code, jobId, taskId };
      }
      if (outcome.history !== null) await announceReactivation(deps, outcome.history, outcome.etag);
      return { outcome: outcome.replayed ? 'OK (replayed)' : 'OK', jobId, taskId };
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

export const reactivationQueueFunction: QueueFunctionDefinition = {
  name: 'reactivateTaskFromQueue',
  queueName: (config) => config.reactivationQueueName,
  makeHandler: (deps) => makeReactivationQueueHandler({ table: deps.table, events: deps.events, poison: deps.reactivationPoison }),
};

import { randomUUID } from 'node:crypto';

import { app, type InvocationContext, type StorageQueueHandler } from '@azure/functions';

import { appDependencies, withAppDependencies } from '../compose';
import { SETTING } from '../config';
import { NO_CONDITION } from '../domain/conditions';
import { parseQueueRequest, type FailedTasksMessage, type QueueRequest, type ReactivationMessage } from '../queue/reactivationMessage';
import { poisonedCopy, queueMetadataOf, queueResult, TransientQueueFailure, type QueueOutcome } from '../queue/queueResult';
import type { Clock } from '../service/clock';
import { Deadline, MAX_TIMEOUT_SECONDS } from '../service/deadline';
import type { Queue } from '../service/queue';
import { reactivateFailedTasks, type ReactivateFailedTasksDeps } from '../service/reactivateFailedTasks';
import { reactivateTask, type ReactivateTaskDeps } from '../service/reactivateTask';
import type { RetryStats } from '../service/retryLoop';
import { stableId } from '../service/stableId';
import { countStorageRequests } from '../storage/requestMeter';

export interface ReactivationQueueDeps extends ReactivateTaskDeps, ReactivateFailedTasksDeps {
  clock: Clock;
  /** Where a message that can never succeed goes at once, with the reason. */
  reactivationPoison: Queue;
  /** The requests queue itself, for the follow-up of a bulk reactivation that did not finish. */
  reactivationRequests: Queue;
}

/** What every message's handling shares: its idempotency key, its request id, its budget, its counters. */
interface Delivery {
  key: string;
  requestId: string;
  deadline: Deadline;
  stats: RetryStats;
}

/**
 * The queue entry point of the reactivation, through the same use cases as the HTTP routes: one
 * task, or (with `"type": "reactivate_failed_tasks"`) the failed tasks of a job. The outcome decides
 * what becomes of the message (`queueResult`): done, poisoned at once with its reason, or thrown so
 * that the host delivers it again.
 */
export function reactivateTaskFromQueueHandler(deps: ReactivationQueueDeps, options: { budgetMs?: number } = {}): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext) => {
    const started = performance.now();
    const requestId = randomUUID();
    const metadata = queueMetadataOf(context);
    const stats: RetryStats = { conflicts: 0, faults: 0 };
    // One budget for the whole message: its reactivation, its events, a poison or follow-up message.
    // A bulk message stops within it and asks for the rest with a follow-up, so a job of any size is
    // drained by a chain of deliveries, each well inside one invocation.
    const deadline = new Deadline(options.budgetMs ?? MAX_TIMEOUT_SECONDS * 1000);
    const { count, result } = countStorageRequests(async () => {
      const parsed = parseQueueRequest(message);
      const outcome: QueueOutcome = !parsed.ok
        ? { kind: 'invalid', issues: parsed.issues }
        : await handle(deps, parsed.request, { key: (parsed.request.message.request_id ?? metadata.id ?? requestId).toLowerCase(), requestId, deadline, stats });
      const decided = queueResult(outcome);
      if (decided.kind === 'poison') {
        await deps.reactivationPoison.send(
          { reason: decided.reason, ...poisonedCopy(message), message_id: metadata.id, dequeue_count: metadata.dequeueCount, request_id: requestId },
          deadline.signal,
        );
      }
      return {
        decided,
        jobId: parsed.ok ? parsed.request.message.job_id : null,
        taskId: parsed.ok && parsed.request.kind === 'task' ? parsed.request.message.task_id : null,
        taskEvent: outcome.kind === 'reactivated' ? outcome.event : null,
      };
    });
    const log = (fields: Record<string, unknown>, warn = false): void => {
      (warn ? context.warn.bind(context) : context.info.bind(context))(
        JSON.stringify({
          event: 'queue-message',
          requestId,
          route: 'reactivateTaskFromQueue',
          messageId: metadata.id,
          dequeueCount: metadata.dequeueCount,
          ...fields,
          storageRequests: count.requests,
          conflicts: stats.conflicts,
          durationMs: Math.round(performance.now() - started),
        }),
      );
    };
    let handled: Awaited<typeof result>;
    try {
      handled = await result;
    } catch (error) {
      log({ outcome: 'RETRY', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      throw error;
    }
    const { decided, jobId, taskId, taskEvent } = handled;
    log(
      {
        outcome: decided.kind === 'done' ? decided.outcome : decided.kind === 'poison' ? 'POISONED' : 'RETRY',
        jobId,
        taskId,
        ...(taskEvent !== null ? { taskEvent } : {}),
        ...(decided.kind === 'retry' ? { error: decided.reason } : {}),
      },
      // A committed reactivation whose event could not be sent at once: its check sends it later.
      taskEvent === 'left to the check',
    );
    if (decided.kind === 'retry') throw new TransientQueueFailure(decided.reason);
  };
}

function handle(deps: ReactivationQueueDeps, request: QueueRequest, delivery: Delivery): Promise<QueueOutcome> {
  return request.kind === 'task' ? reactivateOne(deps, request.message, delivery) : reactivateFailed(deps, request.message, delivery);
}

function reactivateOne(deps: ReactivationQueueDeps, message: ReactivationMessage, { key, requestId, deadline, stats }: Delivery): Promise<QueueOutcome> {
  return reactivateTask(
    deps,
    {
      jobId: message.job_id,
      taskId: message.task_id,
      condition: message.if_match !== undefined ? { kind: 'ifMatch', etag: message.if_match } : NO_CONDITION,
      requestId,
      clientRequestId: key,
      trigger: 'queue',
      deadline,
    },
    stats,
  );
}

/**
 * The bulk reactivation from the queue. When the time budget or `max_tasks` stops it before the end
 * of the job, the rest is asked for by a follow-up message carrying the continuation, with a request
 * id derived from this one: a redelivery of this message sends the same follow-up, which then replays.
 */
async function reactivateFailed(deps: ReactivationQueueDeps, message: FailedTasksMessage, { key, requestId, deadline, stats }: Delivery): Promise<QueueOutcome> {
  const { type: _type, job_id: jobId, request_id: _requestId, ...body } = message;
  const outcome = await reactivateFailedTasks(deps, { jobId, body, requestId, clientRequestId: key, trigger: 'queue', deadline }, stats);
  if (outcome.kind !== 'bulkReactivated') return outcome;
  const { continuation, dry_run } = outcome.result;
  if (continuation !== null && !dry_run) await deps.reactivationRequests.send({ ...message, continuation, request_id: stableId(key, continuation) }, deadline.signal);
  return outcome;
}

app.storageQueue('reactivateTaskFromQueue', {
  queueName: appDependencies().config.reactivationQueueName,
  // The app's own storage setting prefix: a connection string locally, the queue endpoint with the managed identity in Azure.
  connection: SETTING.connectionString,
  handler: withAppDependencies(reactivateTaskFromQueueHandler),
});

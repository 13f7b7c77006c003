import { app, type InvocationContext, type StorageQueueHandler } from '@azure/functions';

import { appDependencies, withAppDependencies } from '../compose';
import { SETTING } from '../config';
import { queueMetadataOf, TransientQueueFailure } from '../queue/queueResult';
import { sweepMessageSchema } from '../queue/sweepMessage';
import type { RetryStats } from '../service/retryLoop';
import { sweepJob, workerDeadline, type SweepDeps } from '../service/sweepJob';
import { countStorageRequests } from '../storage/requestMeter';

/**
 * The termination sweep's worker, on the `job-sweeps` queue: each delivery sweeps pages of one job
 * from the cursor on its job row, and hands the rest over with one message when its budget ends.
 * Any fault fails the delivery (it throws), so that the host shows the message again: returning
 * would delete the only message of a sweep that has work left.
 */
export function sweepJobHandler(deps: SweepDeps): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext) => {
    const started = performance.now();
    const metadata = queueMetadataOf(context);
    const log = (fields: Record<string, unknown>, level: 'info' | 'warn' = 'info'): void => {
      const line = JSON.stringify({ event: 'sweep', messageId: metadata.id, dequeueCount: metadata.dequeueCount, ...fields, durationMs: Math.round(performance.now() - started) });
      if (level === 'warn') context.warn(line);
      else context.info(line);
    };
    const parsed = sweepMessageSchema.safeParse(message);
    if (!parsed.success) {
      // No delivery can make sense of it; nothing else waits for it.
      log({ outcome: 'DROPPED', error: `not a sweep message: ${parsed.error.issues.map((issue) => issue.message).join('; ')}` }, 'warn');
      return;
    }
    const jobId = parsed.data.job_id;
    const stats: RetryStats = { conflicts: 0, faults: 0 };
    const { count, result } = countStorageRequests(() => sweepJob(deps, jobId, workerDeadline(deps.sweep), stats));
    const counters = (): Record<string, unknown> => ({ storageRequests: count.requests, conflicts: stats.conflicts });
    let outcome: Awaited<typeof result>;
    try {
      outcome = await result;
    } catch (error) {
      log({ outcome: 'RETRY', jobId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), ...counters() }, 'warn');
      throw error;
    }
    if (outcome.kind === 'fault') {
      log({ outcome: 'RETRY', jobId, error: `${outcome.code}: ${outcome.message}`, ...counters() }, 'warn');
      throw new TransientQueueFailure(`${outcome.code}: ${outcome.message}`);
    }
    const job = outcome.job?.job ?? null;
    const done = { completed: 'COMPLETED', paused: 'HANDED_OVER', notTerminating: 'NOTHING_TO_SWEEP' }[outcome.kind];
    log({ outcome: done, jobId, state: job?.state ?? null, tasksSwept: job?.termination?.tasks_swept ?? null, ...counters() });
  };
}

app.storageQueue('sweepJob', {
  queueName: appDependencies().config.sweepQueueName,
  connection: SETTING.connectionString,
  handler: withAppDependencies(sweepJobHandler),
});

import { app, type InvocationContext, type StorageQueueHandler } from '@azure/functions';

import { appDependencies, withAppDependencies } from '../compose';
import { SETTING } from '../config';
import { checkMessageSchema } from '../outbox/checkMessage';
import type { Outbox } from '../outbox/outbox';
import { describeMessageIssues } from '../queue/messageIssues';
import { Deadline, MAX_TIMEOUT_SECONDS } from '../service/deadline';
import { countStorageRequests } from '../storage/requestMeter';

/**
 * The delayed check of a request that may have committed reactivations: it sends whatever of their
 * events is still unpublished (see `Outbox.check`). A message that is not a check was not written by
 * this app: it is logged and dropped, since no retry can make it one.
 */
export function checkOutboxHandler(deps: { outbox: Outbox }): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext) => {
    const started = performance.now();
    const parsed = checkMessageSchema.safeParse(message);
    if (!parsed.success) {
      context.error(JSON.stringify({ event: 'outbox-check', outcome: 'DROPPED', reason: describeMessageIssues(parsed.error) }));
      return;
    }
    const deadline = Deadline.ofSeconds(MAX_TIMEOUT_SECONDS);
    const { count, result } = countStorageRequests(() => deps.outbox.check(parsed.data, `check:${context.invocationId}`, deadline.signal));
    const report = await result;
    context.info(JSON.stringify({ event: 'outbox-check', jobId: parsed.data.job_id, requestKey: parsed.data.request_key, ...report, storageRequests: count.requests, durationMs: Math.round(performance.now() - started) }));
  };
}

app.storageQueue('checkOutbox', {
  queueName: appDependencies().config.outboxQueueName,
  connection: SETTING.connectionString,
  handler: withAppDependencies(checkOutboxHandler),
});

import { app, type InvocationContext, type StorageQueueHandler } from '@azure/functions';

import { appDependencies, withAppDependencies } from '../compose';
import { SETTING } from '../config';
import { describeMessageIssues } from '../queue/messageIssues';
import { expiryMessageSchema } from '../retention/expiryMessage';
import type { Retention } from '../retention/retention';
import { Deadline, MAX_TIMEOUT_SECONDS } from '../service/deadline';
import { countStorageRequests } from '../storage/requestMeter';

/**
 * One day's expiry: history records and stored bulk answers of that day, once past retention (see
 * `Retention.expire`). A message that is not one was not written by this app: it is logged and
 * dropped. A failure throws, and the host delivers the message again.
 */
export function expireHistoryHandler(deps: { retention: Retention }): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext) => {
    const started = performance.now();
    const parsed = expiryMessageSchema.safeParse(message);
    if (!parsed.success) {
      context.error(JSON.stringify({ event: 'history-expiry', outcome: 'DROPPED', reason: describeMessageIssues(parsed.error) }));
      return;
    }
    const { count, result } = countStorageRequests(() => deps.retention.expire(parsed.data, Deadline.ofSeconds(MAX_TIMEOUT_SECONDS).signal));
    const report = await result;
    context.info(JSON.stringify({ event: 'history-expiry', day: parsed.data.day, ...report, storageRequests: count.requests, durationMs: Math.round(performance.now() - started) }));
  };
}

app.storageQueue('expireHistory', {
  queueName: appDependencies().config.retentionQueueName,
  connection: SETTING.connectionString,
  handler: withAppDependencies(expireHistoryHandler),
});

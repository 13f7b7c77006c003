import type { InvocationContext, StorageQueueHandler } from '@azure/functions';

import { Deadline, MAX_TIMEOUT_SECONDS } from '../service/deadline';
import type { Queue } from '../service/queue';

/** Long enough for a storage outage that outlasted five deliveries to have a chance to pass. */
export const RESEND_DELAY_SECONDS = 60;

/**
 * For a poison queue whose messages are the app's own idempotent background work: a message the
 * host gave up on (its deliveries all failed, typically while storage was down) is sent back to its
 * queue a minute later rather than left where nothing reads it. A message handled twice does its
 * work once, so a resend that lands twice costs only a delivery. If the send fails, this throws and
 * the host delivers the poison message again (it never poisons a poison queue).
 */
export function resendLaterHandler(queue: Queue, event: string): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext) => {
    await queue.sendLater(message, RESEND_DELAY_SECONDS, Deadline.ofSeconds(MAX_TIMEOUT_SECONDS).signal);
    context.warn(JSON.stringify({ event, delaySeconds: RESEND_DELAY_SECONDS }));
  };
}

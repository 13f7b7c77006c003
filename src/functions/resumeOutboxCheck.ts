import { app, type InvocationContext, type StorageQueueHandler } from '@azure/functions';

import { appDependencies, withAppDependencies } from '../compose';
import { SETTING } from '../config';
import { Deadline, MAX_TIMEOUT_SECONDS } from '../service/deadline';
import type { Queue } from '../service/queue';
import { poisonQueueName } from '../storage/messageQueue';

/** Long enough for a storage outage that outlasted five deliveries to have a chance to pass. */
const RESUME_DELAY_SECONDS = 60;

/**
 * A check the host gave up on (its deliveries all failed, typically while storage was down) is the
 * only thing that still covers its events: it is sent again, a minute later, rather than left in
 * the poison queue. Checks are idempotent, so a check resumed twice sends nothing twice.
 */
export function resumeOutboxCheckHandler(deps: { outboxChecks: Queue }): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext) => {
    await deps.outboxChecks.sendLater(message, RESUME_DELAY_SECONDS, Deadline.ofSeconds(MAX_TIMEOUT_SECONDS).signal);
    context.warn(JSON.stringify({ event: 'outbox-check-resumed', delaySeconds: RESUME_DELAY_SECONDS }));
  };
}

app.storageQueue('resumeOutboxCheck', {
  queueName: poisonQueueName(appDependencies().config.outboxQueueName),
  connection: SETTING.connectionString,
  handler: withAppDependencies(resumeOutboxCheckHandler),
});

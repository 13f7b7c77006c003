import { app, type StorageQueueHandler } from '@azure/functions';

import { appDependencies, withAppDependencies } from '../compose';
import { SETTING } from '../config';
import { resendLaterHandler } from '../queue/resendLater';
import type { Queue } from '../service/queue';
import { poisonQueueName } from '../storage/messageQueue';

/** A check the host gave up on is the only thing that still covers its events: it goes back to its queue. */
export function resumeOutboxCheckHandler(deps: { outboxChecks: Queue }): StorageQueueHandler {
  return resendLaterHandler(deps.outboxChecks, 'outbox-check-resumed');
}

app.storageQueue('resumeOutboxCheck', {
  queueName: poisonQueueName(appDependencies().config.outboxQueueName),
  connection: SETTING.connectionString,
  handler: withAppDependencies(resumeOutboxCheckHandler),
});

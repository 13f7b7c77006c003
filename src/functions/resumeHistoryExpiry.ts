import { app, type StorageQueueHandler } from '@azure/functions';

import { appDependencies, withAppDependencies } from '../compose';
import { SETTING } from '../config';
import { resendLaterHandler } from '../queue/resendLater';
import type { Queue } from '../service/queue';
import { poisonQueueName } from '../storage/messageQueue';

/**
 * A day's expiry the host gave up on goes back to its queue: the day is recorded as having its
 * message, so no reactivation would send another, and left in the poison queue its rows would
 * never expire.
 */
export function resumeHistoryExpiryHandler(deps: { retentionQueue: Queue }): StorageQueueHandler {
  return resendLaterHandler(deps.retentionQueue, 'history-expiry-resumed');
}

app.storageQueue('resumeHistoryExpiry', {
  queueName: poisonQueueName(appDependencies().config.retentionQueueName),
  connection: SETTING.connectionString,
  handler: withAppDependencies(resumeHistoryExpiryHandler),
});

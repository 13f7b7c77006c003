import { app, type InvocationContext, type StorageQueueHandler } from '@azure/functions';

import { appDependencies, withAppDependencies } from '../compose';
import { SETTING } from '../config';
import { queueMetadataOf } from '../queue/queueResult';
import { sweepMessageSchema } from '../queue/sweepMessage';
import { resumePoisonedSweep, type SweepDeps } from '../service/sweepJob';
import { poisonQueueName } from '../storage/messageQueue';

/** A send to the sweep queue is one small request; this bounds it well inside the delivery. */
const SEND_BUDGET_MS = 10_000;

/**
 * On `job-sweeps-poison`: a sweep message that failed delivery after delivery is sent to the sweep
 * queue again, after a pause, so that no termination stays `terminating` because storage was down
 * for a while. The host never poisons a poison queue again: if the send fails, this message is
 * simply delivered again later.
 */
export function resumeSweepHandler(deps: Pick<SweepDeps, 'sweeps' | 'sweep'>): StorageQueueHandler {
  return async (message: unknown, context: InvocationContext) => {
    const metadata = queueMetadataOf(context);
    const parsed = sweepMessageSchema.safeParse(message);
    if (!parsed.success) {
      context.warn(JSON.stringify({ event: 'sweep-resume', messageId: metadata.id, outcome: 'DROPPED', error: 'not a sweep message' }));
      return;
    }
    await resumePoisonedSweep(deps, parsed.data.job_id, AbortSignal.timeout(SEND_BUDGET_MS));
    context.info(JSON.stringify({ event: 'sweep-resume', messageId: metadata.id, dequeueCount: metadata.dequeueCount, jobId: parsed.data.job_id, outcome: 'RESENT', delaySeconds: deps.sweep.resumeDelaySeconds }));
  };
}

app.storageQueue('resumeSweep', {
  queueName: poisonQueueName(appDependencies().config.sweepQueueName),
  connection: SETTING.connectionString,
  handler: withAppDependencies(resumeSweepHandler),
});

import { parseArgs } from 'node:util';

import { DEFAULT_REACTIVATION_QUEUE_NAME, SETTING } from '../src/config';
import { enqueueReactivation } from '../src/producer/enqueueReactivation';
import { createQueueClient } from '../src/storage/messageQueue';

const USAGE = 'usage: npm run enqueue -- <jobId> <taskId> [--request-id <uuid>] [--if-match <etag>]';

/**
 * Sends one reactivation request to the requests queue of the configured storage
 * (TASKS_STORAGE, or the local Azurite when unset).
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'request-id': { type: 'string' }, 'if-match': { type: 'string' }, help: { type: 'boolean' } },
  });
  const [jobId, taskId] = positionals;
  if (values.help === true || jobId === undefined || taskId === undefined || positionals.length > 2) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const connectionString = process.env[SETTING.connectionString] ?? 'UseDevelopmentStorage=true';
  const queueName = process.env[SETTING.reactivationQueueName] ?? DEFAULT_REACTIVATION_QUEUE_NAME;
  const queue = createQueueClient({ kind: 'connectionString', connectionString }, queueName);
  await queue.createIfNotExists();
  const sent = await enqueueReactivation(queue, {
    jobId,
    taskId,
    ...(values['request-id'] !== undefined ? { requestId: values['request-id'] } : {}),
    ...(values['if-match'] !== undefined ? { ifMatch: values['if-match'] } : {}),
  });
  console.log(JSON.stringify({ queue: queueName, message_id: sent.messageId, request_id: sent.requestId }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});

import { randomUUID } from 'node:crypto';

import { InvocationContext, type StorageQueueHandler, type StorageQueueTrigger } from '@azure/functions';
import { QueueClient, type DequeuedMessageItem } from '@azure/storage-queue';

import type { QueueHostSettings } from './hostSettings';
import type { LogLine } from './httpTrigger';

/** How long a message stays hidden from other pollers while its handler runs. */
const PROCESSING_SECONDS = 60;

interface QueueOptions {
  queueName: string;
  connection?: string;
  handler: StorageQueueHandler;
}

export interface RunningTrigger {
  stop(): Promise<void>;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** As the worker does: a payload that parses as JSON reaches the handler parsed, anything else as text. */
function payloadOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The queue trigger of the local host, with the semantics of the host's queue extension: messages
 * are base64 (one that does not decode goes straight to `<queue>-poison`), a handler that returns
 * completes the message, one that throws makes it visible again after `visibilityTimeout`, and
 * after `maxDequeueCount` attempts the message is moved to `<queue>-poison`. A queue whose name
 * ends in `-poison` has no poison queue of its own: a failed message there is simply shown again.
 */
export async function startQueueTrigger(name: string, options: QueueOptions, settings: QueueHostSettings, log: LogLine): Promise<RunningTrigger> {
  const setting = options.connection ?? 'AzureWebJobsStorage';
  const connectionString = process.env[setting] ?? process.env[`AzureWebJobs${setting}`];
  if (connectionString === undefined) throw new Error(`queue function "${name}": its connection setting ${setting} is not set`);
  const queue = new QueueClient(connectionString, options.queueName);
  const poison = options.queueName.endsWith('-poison') ? null : new QueueClient(connectionString, `${options.queueName}-poison`);
  await queue.createIfNotExists();
  await poison?.createIfNotExists();

  const retryLater = async (item: DequeuedMessageItem, why: string): Promise<void> => {
    await queue.updateMessage(item.messageId, item.popReceipt, undefined, settings.visibilityTimeoutSeconds);
    log(name, 'warning', `attempt ${item.dequeueCount} of message ${item.messageId} failed, retrying in ${settings.visibilityTimeoutSeconds} s: ${why}`);
  };

  const toPoison = async (item: DequeuedMessageItem, why: string): Promise<void> => {
    if (poison === null) return retryLater(item, why);
    await poison.sendMessage(item.messageText);
    await queue.deleteMessage(item.messageId, item.popReceipt);
    log(name, 'warning', `message ${item.messageId} moved to ${poison.name}: ${why}`);
  };

  const process1 = async (item: DequeuedMessageItem): Promise<void> => {
    const encoded = settings.messageEncoding === 'base64';
    if (encoded && !BASE64.test(item.messageText)) return toPoison(item, 'it is not base64, as the host expects');
    const text = encoded ? Buffer.from(item.messageText, 'base64').toString('utf8') : item.messageText;
    const trigger: StorageQueueTrigger = { type: 'queueTrigger', name: 'queueEntry', queueName: options.queueName, connection: setting };
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: name,
      triggerMetadata: {
        id: item.messageId,
        dequeueCount: item.dequeueCount,
        popReceipt: item.popReceipt,
        insertionTime: item.insertedOn.toISOString(),
        expirationTime: item.expiresOn.toISOString(),
        nextVisibleTime: item.nextVisibleOn.toISOString(),
        queueTrigger: text,
      },
      options: { trigger, extraInputs: [], extraOutputs: [] },
      logHandler: (level, ...args) => {
        log(name, level, args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      },
    });
    try {
      await options.handler(payloadOf(text), context);
      await queue.deleteMessage(item.messageId, item.popReceipt);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      if (poison !== null && item.dequeueCount >= settings.maxDequeueCount) return toPoison(item, `attempt ${item.dequeueCount} of ${settings.maxDequeueCount} failed: ${why}`);
      await retryLater(item, why);
    }
  };

  let stopped = false;
  let idleMs = 100;
  let wake: (() => void) | undefined;
  const poll = async (): Promise<void> => {
    while (!stopped) {
      try {
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: settings.batchSize, visibilityTimeout: PROCESSING_SECONDS });
        if (receivedMessageItems.length > 0) {
          idleMs = 100;
          await Promise.all(
            receivedMessageItems.map((item) =>
              process1(item).catch((error: unknown) => {
                log(name, 'error', String(error));
              }),
            ),
          );
          continue;
        }
      } catch (error) {
        log(name, 'error', `polling ${options.queueName} failed: ${String(error)}`);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, idleMs);
      });
      idleMs = Math.min(settings.maxPollingIntervalMs, idleMs * 2);
    }
  };
  const loop = poll();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

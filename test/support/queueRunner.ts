import { randomUUID } from 'node:crypto';

import { InvocationContext, type StorageQueueHandler } from '@azure/functions';

import { decodeMessage, type MessageQueue } from '../../src/storage/messageQueue';

/**
 * Runs a queue function the way the host does: receives what is visible on its queue now, hands
 * each message to the handler with a real InvocationContext, and deletes it when the handler
 * returns (a handler that throws leaves it to reappear). Resolves with how many it handled.
 */
export async function deliverVisible(queue: MessageQueue, handler: StorageQueueHandler, logs: string[] = []): Promise<number> {
  const { receivedMessageItems } = await queue.queueClient.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
  await Promise.all(
    receivedMessageItems.map(async (item) => {
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName: queue.name,
        triggerMetadata: { id: item.messageId, dequeueCount: item.dequeueCount },
        logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
      });
      await handler(decodeMessage(item.messageText), context);
      await queue.queueClient.deleteMessage(item.messageId, item.popReceipt);
    }),
  );
  return receivedMessageItems.length;
}

/** Messages on the queue, visible or held back. */
export async function messagesOn(queue: MessageQueue): Promise<number> {
  return (await queue.queueClient.getProperties()).approximateMessagesCount ?? 0;
}

/** Waits until `probe` holds, polling; gives up after `ms` (generous: the machine may be busy). */
export async function eventually(probe: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

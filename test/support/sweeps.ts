import { randomUUID } from 'node:crypto';

import { InvocationContext } from '@azure/functions';

import { sweepJobHandler } from '../../src/functions/sweepJob';
import type { SweepDeps } from '../../src/service/sweepJob';
import { decodeMessage, type MessageQueue } from '../../src/storage/messageQueue';

export interface SweepRun {
  /** Deliveries the handler completed (the message was then deleted, as the host deletes it). */
  completed: number;
  /** Deliveries whose handler threw (the message was shown again, as the host shows it again). */
  failed: number;
  /** What the handler logged, one line per delivery. */
  logs: string[];
  /** True when no message was visible any more; false when `maxDeliveries` ran out first. */
  drained: boolean;
}

/** A delivery as the host makes it: the decoded payload and the message's metadata. */
export function queueContext(id: string, dequeueCount: number, logs: string[] = []): InvocationContext {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName: 'sweepJob',
    triggerMetadata: { id, dequeueCount },
    logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
  });
}

/**
 * Works the sweep queue as the host would, one message at a time, until no message is visible (or
 * `maxDeliveries` were made):
 * a handler that returns completes its message, one that throws leaves it to come back. Messages
 * held back (the termination's safety message) stay where they are.
 */
export async function runSweeps(deps: SweepDeps & { sweeps: MessageQueue }, options: { maxDeliveries?: number; handler?: ReturnType<typeof sweepJobHandler> } = {}): Promise<SweepRun> {
  const handler = options.handler ?? sweepJobHandler(deps);
  const run: SweepRun = { completed: 0, failed: 0, logs: [], drained: false };
  const client = deps.sweeps.queueClient;
  for (let delivery = 0; delivery < (options.maxDeliveries ?? 200); delivery += 1) {
    const [item] = (await client.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 })).receivedMessageItems;
    if (item === undefined) return { ...run, drained: true };
    try {
      await handler(decodeMessage(item.messageText), queueContext(item.messageId, item.dequeueCount, run.logs));
      await client.deleteMessage(item.messageId, item.popReceipt);
      run.completed += 1;
    } catch {
      await client.updateMessage(item.messageId, item.popReceipt, undefined, 0);
      run.failed += 1;
    }
  }
  return run;
}

/** Every message on the queue, hidden ones included. */
export async function messagesOn(queue: MessageQueue): Promise<number> {
  return (await queue.queueClient.getProperties()).approximateMessagesCount ?? 0;
}

/** The messages that can be received now, decoded, without receiving them. */
export async function visibleMessages(queue: MessageQueue): Promise<unknown[]> {
  const peeked = await queue.queueClient.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((item) => decodeMessage(item.messageText));
}

export async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

import { randomUUID } from 'node:crypto';

import type { InvocationContext } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { afterEach, describe, expect, it } from 'vitest';

import { startQueueTrigger, type RunningTrigger } from '../../scripts/host/queueTrigger';
import { encodeMessage } from '../../src/storage/messageQueue';
import { azuriteConnectionString } from '../support/storage';

const SETTINGS = { maxDequeueCount: 3, visibilityTimeoutSeconds: 0, batchSize: 16, messageEncoding: 'base64' as const, maxPollingIntervalMs: 200 };
const running: RunningTrigger[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((trigger) => trigger.stop()));
});

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function trigger(handler: (message: unknown, context: InvocationContext) => Promise<void>, queueName = `host-${randomUUID()}`): Promise<{ queue: QueueClient; poison: QueueClient }> {
  process.env.HOST_TEST_STORAGE = azuriteConnectionString();
  running.push(await startQueueTrigger('test', { queueName, connection: 'HOST_TEST_STORAGE', handler }, SETTINGS, () => undefined));
  return { queue: new QueueClient(azuriteConnectionString(), queueName), poison: new QueueClient(azuriteConnectionString(), `${queueName}-poison`) };
}

describe("the local host's queue trigger", () => {
  it('hands the decoded JSON and the message metadata to the handler, then deletes the message', async () => {
    const seen: { message: unknown; metadata: unknown }[] = [];
    const { queue } = await trigger(async (message, context) => {
      seen.push({ message, metadata: context.triggerMetadata });
      await Promise.resolve();
    });
    const { messageId } = await queue.sendMessage(encodeMessage({ job_id: 'j', task_id: 't' }));
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({ message: { job_id: 'j', task_id: 't' }, metadata: expect.objectContaining({ id: messageId, dequeueCount: 1 }) as unknown });
    await until(async () => (await queue.peekMessages()).peekedMessageItems.length === 0);
  });

  it('delivers a failing message again, then moves it to the poison queue after maxDequeueCount attempts', async () => {
    const attempts: number[] = [];
    const { queue, poison } = await trigger(async (_message, context) => {
      attempts.push(context.triggerMetadata?.dequeueCount as number);
      await Promise.reject(new Error('storage is down'));
    });
    const text = encodeMessage({ job_id: 'j', task_id: 't' });
    await queue.sendMessage(text);
    await until(async () => (await poison.peekMessages()).peekedMessageItems.length === 1);
    expect(attempts).toEqual([1, 2, 3]);
    expect((await poison.peekMessages()).peekedMessageItems[0]?.messageText).toBe(text);
    expect((await queue.peekMessages()).peekedMessageItems).toEqual([]);
  });

  it('on a poison queue, delivers a failing message again and again, as the host does, never to a poison queue of its own', async () => {
    const attempts: number[] = [];
    const { queue, poison } = await trigger(async (_message, context) => {
      attempts.push(context.triggerMetadata?.dequeueCount as number);
      if (attempts.length < 5) await Promise.reject(new Error('storage is down'));
    }, `host-${randomUUID()}-poison`);
    await queue.sendMessage(encodeMessage({ job_id: 'j' }));
    await until(() => attempts.length === 5);
    // Past maxDequeueCount (3), and still delivered; the fifth attempt succeeded and completed it.
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    await until(async () => (await queue.peekMessages()).peekedMessageItems.length === 0);
    expect(await poison.exists()).toBe(false);
  });

  it('moves a message that is not base64 to the poison queue without calling the handler', async () => {
    let calls = 0;
    const { queue, poison } = await trigger(async () => {
      calls += 1;
      await Promise.resolve();
    });
    await queue.sendMessage('plain text, not base64!');
    await until(async () => (await poison.peekMessages()).peekedMessageItems.length === 1);
    expect(calls).toBe(0);
  });
});


import { QueueClient, type StoragePipelineOptions } from '@azure/storage-queue';

import type { StorageConnection } from '../config';
import { onceCreated, sendCreatingQueue } from './createOnFirstUse';
import { managedIdentityCredential } from './credential';
import { noteQueueRequest } from './requestMeter';
import { retryStalled } from './stalledTries';
import type { HeldMessage, Queue } from '../service/queue';
import { statusOf, translateFault } from './storageErrors';

/**
 * The Functions host expects queue messages base64-encoded (`extensions.queues.messageEncoding`
 * defaults to base64) and moves a message it cannot decode straight to the poison queue, so every
 * message we send, and every one a user sends through our producer, is JSON then base64.
 */
export function encodeMessage(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

export function decodeMessage(text: string): unknown {
  return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
}

/**
 * A queue we send JSON messages to: the events queue, a poison queue, the requests queue, the app's
 * work queues. A send that finds the queue missing creates it, once, and sends again
 * (createOnFirstUse.ts).
 */
export class MessageQueue implements Queue {
  private readonly createQueue = onceCreated(() => this.client.createIfNotExists());

  constructor(private readonly client: QueueClient) {}

  get name(): string {
    return this.client.name;
  }

  async send(value: unknown, signal?: AbortSignal): Promise<string> {
    noteQueueRequest();
    try {
      const text = encodeMessage(value);
      const response = await sendCreatingQueue(() => retryStalled(signal, (abortSignal) => this.client.sendMessage(text, { abortSignal })), this.createQueue);
      return response.messageId;
    } catch (error) {
      throw translateFault(error);
    }
  }

  async sendLater(value: unknown, delaySeconds: number, signal?: AbortSignal): Promise<HeldMessage> {
    noteQueueRequest();
    try {
      const text = encodeMessage(value);
      const visibilityTimeout = Math.max(0, Math.round(delaySeconds));
      const response = await sendCreatingQueue(() => retryStalled(signal, (abortSignal) => this.client.sendMessage(text, { visibilityTimeout, abortSignal })), this.createQueue);
      return { messageId: response.messageId, popReceipt: response.popReceipt };
    } catch (error) {
      throw translateFault(error);
    }
  }

  async withdraw(message: HeldMessage, signal?: AbortSignal): Promise<void> {
    noteQueueRequest();
    try {
      await retryStalled(signal, (abortSignal) => this.client.deleteMessage(message.messageId, message.popReceipt, { abortSignal }));
    } catch (error) {
      // Gone already, or received by someone else since (its receipt changed): nothing to withdraw.
      if (statusOf(error) === 404 || statusOf(error) === 400) return;
      throw translateFault(error);
    }
  }

  async showNow(message: HeldMessage, signal?: AbortSignal): Promise<void> {
    noteQueueRequest();
    try {
      await retryStalled(signal, (abortSignal) => this.client.updateMessage(message.messageId, message.popReceipt, undefined, 0, { abortSignal }));
    } catch (error) {
      throw translateFault(error);
    }
  }

  /** Local runs and tests only: in Azure the queues are provisioned, and the app may not create them. */
  async ensureExists(): Promise<void> {
    await this.client.createIfNotExists();
  }

  /** The raw client, for tools that read the queue (tests, the local host). */
  get queueClient(): QueueClient {
    return this.client;
  }
}

const RETRY_OPTIONS: StoragePipelineOptions['retryOptions'] = { maxTries: 4, retryDelayInMs: 100, maxRetryDelayInMs: 2_000 };

export function createQueueClient(storage: StorageConnection, queueName: string): QueueClient {
  if (storage.kind === 'connectionString') {
    return new QueueClient(storage.connectionString, queueName, { retryOptions: RETRY_OPTIONS });
  }
  const credential = managedIdentityCredential(storage.clientId);
  return new QueueClient(`${storage.queueServiceUri.replace(/\/$/, '')}/${queueName}`, credential, { retryOptions: RETRY_OPTIONS });
}

export function poisonQueueName(queueName: string): string {
  return `${queueName}-poison`;
}

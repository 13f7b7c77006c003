import { randomUUID } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { enqueueReactivation } from '../../src/producer/enqueueReactivation';
import { decodeMessage } from '../../src/storage/messageQueue';
import { reactivationMessageSchema } from '../../src/queue/reactivationMessage';
import { freshQueue } from '../support/storage';

describe('enqueueReactivation', () => {
  it('sends base64 JSON that the trigger schema accepts, with a request id', async () => {
    const queue = await freshQueue('requests');
    const sent = await enqueueReactivation(queue.queueClient, { jobId: 'job-1', taskId: 'task-7' });
    const { receivedMessageItems } = await queue.queueClient.receiveMessages();
    const raw = receivedMessageItems[0]?.messageText ?? '';
    expect(raw).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const message = decodeMessage(raw);
    expect(reactivationMessageSchema.parse(message)).toEqual({ job_id: 'job-1', task_id: 'task-7', request_id: sent.requestId });
    expect(sent.messageId).toBe(receivedMessageItems[0]?.messageId);
  });

  it('keeps the request id and ETag it is given', async () => {
    const queue = await freshQueue('requests');
    const requestId = randomUUID();
    await enqueueReactivation(queue.queueClient, { jobId: 'job-1', taskId: 'task-7', requestId, ifMatch: 'W/"e"' });
    const { receivedMessageItems } = await queue.queueClient.receiveMessages();
    expect(decodeMessage(receivedMessageItems[0]?.messageText ?? '')).toEqual({ job_id: 'job-1', task_id: 'task-7', request_id: requestId, if_match: 'W/"e"' });
  });

  it('refuses what the trigger would poison, before sending anything', async () => {
    const queue = await freshQueue('requests');
    await expect(enqueueReactivation(queue.queueClient, { jobId: 'job/1', taskId: 't' })).rejects.toThrow(/job_id/);
    const { peekedMessageItems } = await queue.queueClient.peekMessages();
    expect(peekedMessageItems).toEqual([]);
  });
});

import { randomUUID } from 'node:crypto';

import { InvocationContext, type StorageQueueHandler } from '@azure/functions';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { taskReactivatedEventSchema, taskReactivationRejectedEventSchema } from '../../src/domain/events';
import { relayEvents } from '../../src/service/relayEvents';
import type { MessageQueue } from '../../src/storage/messageQueue';
import type { TaskTable } from '../../src/storage/taskTable';
import { makeReactivationQueueHandler, TransientQueueFailure } from '../../src/triggers/reactivationQueue';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { freshQueue, freshTable, peekAll, tableWith, uniqueId } from '../support/storage';
import { queueBehindProxy, type StorageProxy } from '../support/storageProxy';

let table: TaskTable;
let tableName: string;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
});

async function seed(): Promise<string> {
  const jobId = uniqueId('queue');
  await table.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 't1', job_id: jobId }), aRunningTask({ id: 'busy', job_id: jobId })]);
  return jobId;
}

async function handlerWithQueues(overrides: { table?: TaskTable; events?: MessageQueue } = {}) {
  const events = overrides.events ?? (await freshQueue('events'));
  const poison = await freshQueue('poison');
  const requests = await freshQueue('requests');
  const handler = makeReactivationQueueHandler({ table: overrides.table ?? table, events, poison, requests });
  return { handler, events, poison, requests };
}

/** A delivery as the host makes it: the decoded payload and the message's metadata. */
async function deliver(handler: StorageQueueHandler, message: unknown, id = randomUUID(), dequeueCount = 1): Promise<string[]> {
  const logs: string[] = [];
  const context = new InvocationContext({ invocationId: randomUUID(), functionName: 'reactivateTaskFromQueue', triggerMetadata: { id, dequeueCount }, logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')) });
  await handler(message, context);
  return logs;
}

describe('the reactivation queue trigger', () => {
  it('reactivates a failed task and emits exactly one task.reactivated', async () => {
    const jobId = await seed();
    const { handler, events, poison } = await handlerWithQueues();
    const requestId = randomUUID();
    const logs = await deliver(handler, { job_id: jobId, task_id: 't1', request_id: requestId });
    const stored = await table.readTask(jobId, 't1');
    expect(stored?.task).toMatchObject({ state: 'active', reactivation_count: 1 });
    const [history] = await table.listHistory(jobId, 't1');
    expect(history).toMatchObject({ trigger: 'queue', client_request_id: requestId });
    expect(await peekAll(events)).toEqual([
      expect.objectContaining({ type: 'task.reactivated', event_id: history?.event_id, job_id: jobId, task_id: 't1', request_id: requestId, trigger: 'queue', etag: stored?.etag }),
    ]);
    // What goes on the queue is exactly the published event format.
    for (const event of await peekAll(events)) taskReactivatedEventSchema.parse(event);
    expect(await peekAll(poison)).toEqual([]);
    expect(JSON.parse(logs.find((l) => l.includes('queue-message')) ?? '{}')).toMatchObject({ outcome: 'OK', jobId, taskId: 't1' });
  });

  it('the same message delivered twice reactivates once, emits one event, and raises no error', async () => {
    const jobId = await seed();
    const { handler, events } = await handlerWithQueues();
    const messageId = randomUUID();
    await deliver(handler, { job_id: jobId, task_id: 't1' }, messageId, 1);
    const logs = await deliver(handler, { job_id: jobId, task_id: 't1' }, messageId, 2);
    expect(await table.listHistory(jobId, 't1')).toHaveLength(1);
    expect(await peekAll(events)).toHaveLength(1);
    expect(logs.join()).toContain('OK (replayed)');
  });

  it('a refused request emits task.reactivation_rejected with its code, and completes the message', async () => {
    const jobId = await seed();
    const { handler, events, poison } = await handlerWithQueues();
    const requestId = randomUUID();
    await deliver(handler, { job_id: jobId, task_id: 'busy', request_id: requestId });
    await deliver(handler, { job_id: jobId, task_id: 'busy', request_id: requestId });
    const [first, second] = (await peekAll(events)) as { event_id: string }[];
    expect(first).toMatchObject({ type: 'task.reactivation_rejected', job_id: jobId, task_id: 'busy', request_id: requestId, trigger: 'queue', code: 'TASK_NOT_COMPLETED' });
    expect(second?.event_id).toBe(first?.event_id);
    taskReactivationRejectedEventSchema.parse(first);
    expect(await peekAll(poison)).toEqual([]);
  });

  it.each([
    ['text that is not JSON', 'reactivate please', /message must be a JSON object/],
    ['a number', 42, /message must be a JSON object/],
    ['a missing task id', { job_id: 'job-1' }, /task_id/],
    ['a bad id', { job_id: 'job/1', task_id: 't1' }, /job_id may contain only/],
    ['an unknown field', { job_id: 'job-1', task_id: 't1', extra: true }, /extra/],
    ['a request id that is not a UUID', { job_id: 'job-1', task_id: 't1', request_id: 'r1' }, /request_id must be a UUID/],
  ])('%s goes to the poison queue at once, with the reason', async (_, message, reason) => {
    const { handler, events, poison } = await handlerWithQueues();
    const messageId = randomUUID();
    await deliver(handler, message, messageId);
    const poisoned = (await peekAll(poison)) as { reason: string; message: unknown; message_id: string }[];
    expect(poisoned).toHaveLength(1);
    expect(poisoned[0]?.reason).toMatch(reason);
    expect(poisoned[0]).toMatchObject({ message, message_id: messageId });
    expect(await peekAll(events)).toEqual([]);
  });

  it('a transient storage fault throws (the host retries), and the redelivery succeeds', async () => {
    const jobId = await seed();
    const failing = tableWith(tableName, { name: 'down', sendRequest: (request) => Promise.resolve({ request, status: 503, headers: request.headers, bodyAsText: '' }) });
    const down = await handlerWithQueues({ table: failing });
    const messageId = randomUUID();
    await expect(deliver(down.handler, { job_id: jobId, task_id: 't1' }, messageId, 1)).rejects.toThrow(TransientQueueFailure);
    expect((await table.readTask(jobId, 't1'))?.task.state).toBe('completed');
    const up = await handlerWithQueues({ events: down.events });
    await deliver(up.handler, { job_id: jobId, task_id: 't1' }, messageId, 2);
    expect((await table.readTask(jobId, 't1'))?.task.state).toBe('active');
    expect(await peekAll(down.events)).toHaveLength(1);
  });
});

describe('the bulk reactivation from the queue', () => {
  async function seedFailed(count: number): Promise<string> {
    const jobId = uniqueId('bulkq');
    await table.loadJob(aJob({ id: jobId }), [...Array.from({ length: count }, (_, i) => aFailedTask({ id: `f${i}`, job_id: jobId })), aRunningTask({ id: 'busy', job_id: jobId })]);
    return jobId;
  }

  it('reactivates every failed task of the job once, even when the message is delivered twice', async () => {
    const jobId = await seedFailed(3);
    const { handler, poison } = await handlerWithQueues();
    const messageId = randomUUID();
    await deliver(handler, { type: 'reactivate_failed_tasks', job_id: jobId }, messageId, 1);
    const logs = await deliver(handler, { type: 'reactivate_failed_tasks', job_id: jobId }, messageId, 2);
    for (const id of ['f0', 'f1', 'f2']) {
      expect((await table.readTask(jobId, id))?.task.state).toBe('active');
      expect(await table.listHistory(jobId, id)).toEqual([expect.objectContaining({ trigger: 'queue' })]);
    }
    expect((await table.readTask(jobId, 'busy'))?.task.state).toBe('running');
    expect(logs.join()).toContain('OK (3 reactivated)');
    expect(await peekAll(poison)).toEqual([]);
  });

  it('asks for the rest with a follow-up message when max_tasks stops it, the same follow-up on redelivery', async () => {
    const jobId = await seedFailed(3);
    const { handler, requests } = await handlerWithQueues();
    const messageId = randomUUID();
    await deliver(handler, { type: 'reactivate_failed_tasks', job_id: jobId, max_tasks: 2 }, messageId, 1);
    await deliver(handler, { type: 'reactivate_failed_tasks', job_id: jobId, max_tasks: 2 }, messageId, 2);
    const followUps = (await peekAll(requests)) as { request_id: string; continuation: string }[];
    expect(followUps).toHaveLength(2);
    expect(followUps[1]).toEqual(followUps[0]);
    expect(followUps[0]).toMatchObject({ type: 'reactivate_failed_tasks', job_id: jobId, max_tasks: 2, continuation: expect.any(String) as string });
    expect((await table.listTasks(jobId)).filter((t) => t.task.state === 'active')).toHaveLength(2);
    await deliver(handler, followUps[0], randomUUID(), 1);
    expect((await table.listTasks(jobId)).filter((t) => t.task.state === 'active')).toHaveLength(3);
  });

  it('poisons a message whose continuation cannot be served, with the reason', async () => {
    const jobId = await seedFailed(1);
    const { handler, poison } = await handlerWithQueues();
    await deliver(handler, { type: 'reactivate_failed_tasks', job_id: jobId, continuation: 'not-a-token' });
    expect(((await peekAll(poison)) as { reason: string }[])[0]?.reason).toMatch(/^Invalid message: continuation/);
    expect((await table.readTask(jobId, 'f0'))?.task.state).toBe('completed');
  });
});

describe('the outbox relay', () => {
  const proxies: StorageProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });
  const unsendableQueue = async (): Promise<MessageQueue> => {
    const { queue, proxy } = await queueBehindProxy(`missing-${randomUUID()}`, { refuseCreation: true });
    proxies.push(proxy);
    return queue;
  };

  it('delivers, with the same event id, an event whose publish failed after the commit, and only once', async () => {
    const { table: ownTable } = await freshTable();
    const jobId = uniqueId('relay');
    await ownTable.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 't1', job_id: jobId })]);
    // The events queue does not exist and may not be created: the send after the commit fails for real.
    const missing = await unsendableQueue();
    const { handler } = await handlerWithQueues({ table: ownTable, events: missing });
    await deliver(handler, { job_id: jobId, task_id: 't1' });
    const [history] = await ownTable.listHistory(jobId, 't1');
    expect((await ownTable.readTask(jobId, 't1'))?.task.state).toBe('active');

    const events = await freshQueue('events');
    const now = () => new Date(Date.now() + 60_000);
    expect(await relayEvents({ table: ownTable, events, now })).toEqual({ relayed: 1, failed: 0 });
    const stored = await ownTable.readTask(jobId, 't1');
    expect(await peekAll(events)).toEqual([expect.objectContaining({ type: 'task.reactivated', event_id: history?.event_id, task_id: 't1', etag: stored?.etag })]);
    expect(await relayEvents({ table: ownTable, events, now })).toEqual({ relayed: 0, failed: 0 });
    expect(await peekAll(events)).toHaveLength(1);
  });

  it('leaves a fresh event to its own publisher until the delay has passed', async () => {
    const { table: ownTable } = await freshTable();
    const jobId = uniqueId('relay');
    await ownTable.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 't1', job_id: jobId })]);
    const missing = await unsendableQueue();
    await deliver((await handlerWithQueues({ table: ownTable, events: missing })).handler, { job_id: jobId, task_id: 't1' });
    expect(await relayEvents({ table: ownTable, events: await freshQueue('events') })).toEqual({ relayed: 0, failed: 0 });
  });
});

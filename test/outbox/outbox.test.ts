import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { checkOutboxHandler } from '../../src/functions/checkOutbox';
import { taskReactivatedEventSchema } from '../../src/outbox/events';
import { Deadline } from '../../src/service/deadline';
import { reactivateFailedTasks } from '../../src/service/reactivateFailedTasks';
import { reactivateTask, type ReactivateTaskCommand } from '../../src/service/reactivateTask';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob } from '../support/fixtures';
import { deliverVisible, eventually, messagesOn } from '../support/queueRunner';
import { withSeam } from '../support/seams';
import { isCommit, resetAfterSend } from '../support/faults';
import { appFor, freshTable, peekAll, tableWith, uniqueId, type TestApp } from '../support/storage';


/**
 * The outbox end to end against Azurite, with the two delays shortened (a check looks after 1 s, a
 * claim is left to its holder for 1 s): the inline publisher, the delayed check taking over what a
 * dead or slow publisher left, and what each costs.
 */

const FAST = { checkDelaySeconds: 1, leaseSeconds: 1 };
let table: FixtureTable;

beforeAll(async () => {
  ({ table } = await freshTable());
});

async function seed(count = 1): Promise<string> {
  const jobId = uniqueId('outbox');
  await table.loadJob(aJob({ id: jobId }), Array.from({ length: count }, (_, n) => aFailedTask({ id: `t${String(n).padStart(3, '0')}`, job_id: jobId })));
  return jobId;
}

function command(jobId: string, taskId: string, clientRequestId: string | null = null): ReactivateTaskCommand {
  return { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId, trigger: 'http', deadline: Deadline.ofSeconds(20) };
}

/** The instance dies right after its commit landed: no event sent, no mark, only its delayed check left. */
function diesAfterCommit(app: TestApp): TestApp {
  return {
    ...app,
    store: withSeam(table, 'commitReactivations', {
      after: () => Promise.reject(new Error('the instance died after its commit')),
    }),
  };
}

/** Every event on the events queue (Azurite peeks at most 32: the tests keep to fewer). */
async function eventsOn(app: TestApp): Promise<{ event_id: string; task_id: string; type: string }[]> {
  return (await peekAll(app.events)) as { event_id: string; task_id: string; type: string }[];
}

/** Runs the check function over whatever is due, until nothing is left on its queue. */
async function runChecks(app: TestApp, logs: string[] = []): Promise<void> {
  const handler = checkOutboxHandler(app);
  const drained = await eventually(async () => {
    await deliverVisible(app.outboxChecks, handler, logs);
    return (await messagesOn(app.outboxChecks)) === 0;
  });
  expect(drained, 'the checks ran out').toBe(true);
}

describe('the inline publisher', () => {
  it('sends the event before the answer, then marks its row and withdraws its check', async () => {
    const app = await appFor(table, { timing: FAST });
    const jobId = await seed();
    const outcome = await reactivateTask(app, command(jobId, 't000'));
    expect(outcome).toMatchObject({ kind: 'reactivated', event: 'published' });
    const [history] = await table.listHistory(jobId, 't000');
    expect(await eventsOn(app)).toEqual([expect.objectContaining({ type: 'task.reactivated', event_id: history?.event_id })]);
    await app.outbox.settled();
    expect(await table.unpublishedEvents(jobId)).toEqual([]);
    expect(await messagesOn(app.outboxChecks)).toBe(0);
  });

  it('withdraws its check when the request is refused: nothing was committed', async () => {
    const app = await appFor(table, { timing: FAST });
    const jobId = await seed();
    await reactivateTask(app, command(jobId, 't000'));
    expect(await reactivateTask(app, command(jobId, 't000'))).toMatchObject({ kind: 'rejection', code: 'TASK_NOT_COMPLETED' });
    await app.outbox.settled();
    expect(await messagesOn(app.outboxChecks)).toBe(0);
  });
});

describe('the delayed check', () => {
  it("delivers a dead publisher's event, once, with the event id of its commit", async () => {
    const app = await appFor(table, { timing: FAST });
    const jobId = await seed();
    await expect(reactivateTask(diesAfterCommit(app), command(jobId, 't000'))).rejects.toThrow(/died/);
    expect(await eventsOn(app)).toEqual([]);
    const [history] = await table.listHistory(jobId, 't000');
    await runChecks(app);
    const events = await eventsOn(app);
    expect(events).toEqual([expect.objectContaining({ type: 'task.reactivated', event_id: history?.event_id, task_id: 't000' })]);
    for (const event of events) taskReactivatedEventSchema.parse(event);
    expect(await table.unpublishedEvents(jobId)).toEqual([]);
  });

  it('a lost mark leads to one resend, with the same event id, and no more', async () => {
    let marks = 0;
    const app = await appFor(table, {
      timing: FAST,
      // The first mark (the inline publisher's) never reaches storage.
      outboxStore: (store) => withSeam(store, 'markPublished', { before: () => (marks++ === 0 ? Promise.reject(new Error('lost')) : Promise.resolve()) }),
    });
    const jobId = await seed();
    expect(await reactivateTask(app, command(jobId, 't000'))).toMatchObject({ kind: 'reactivated', event: 'published' });
    await app.outbox.settled();
    expect(await table.unpublishedEvents(jobId)).toHaveLength(1);
    await runChecks(app);
    const events = await eventsOn(app);
    expect(events).toHaveLength(2);
    expect(new Set(events.map((event) => event.event_id)).size).toBe(1);
    expect(await table.unpublishedEvents(jobId)).toEqual([]);
  });

  it('two checkers on the same check at once send each event once', async () => {
    const app = await appFor(table, { timing: FAST });
    const jobId = await seed();
    await expect(reactivateTask(diesAfterCommit(app), command(jobId, 't000'))).rejects.toThrow(/died/);
    const handler = checkOutboxHandler(app);
    // The first look leaves the claim to its holder for a lease and comes back.
    expect(await eventually(async () => (await deliverVisible(app.outboxChecks, handler)) > 0)).toBe(true);
    // The check that comes back is delivered to two checkers at once (a redelivery, two instances).
    const { receivedMessageItems } = await (async () => {
      for (;;) {
        const received = await app.outboxChecks.queueClient.peekMessages({ numberOfMessages: 1 });
        if (received.peekedMessageItems.length > 0) return app.outboxChecks.queueClient.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const [item] = receivedMessageItems;
    const message: unknown = JSON.parse(Buffer.from(item!.messageText, 'base64').toString('utf8'));
    const { InvocationContext } = await import('@azure/functions');
    const context = () => new InvocationContext({ invocationId: randomUUID(), functionName: 'checkOutbox', logHandler: () => undefined });
    await Promise.all([handler(message, context()), handler(message, context())]);
    await app.outboxChecks.queueClient.deleteMessage(item!.messageId, item!.popReceipt);
    await runChecks(app);
    expect(await eventsOn(app)).toHaveLength(1);
    expect(await table.unpublishedEvents(jobId)).toEqual([]);
  });

  it('finds nothing for a request that never committed, and sends nothing', async () => {
    const app = await appFor(table, { timing: FAST });
    const jobId = await seed();
    const failing = { ...app, store: withSeam(table, 'commitReactivations', { before: () => Promise.reject(new Error('died before its commit')) }) };
    await expect(reactivateTask(failing, command(jobId, 't000'))).rejects.toThrow(/before its commit/);
    const logs: string[] = [];
    await runChecks(app, logs);
    expect(await eventsOn(app)).toEqual([]);
    expect(logs.join('\n')).toMatch(/"found":0,"sent":0,"waiting":0/);
  });
});

describe('a bulk transaction whose commit landed and whose answer was lost', () => {
  it('keeps its check, and the check sends the events the request never learned to send', async () => {
    const { table: plain, tableName } = await freshTable();
    const jobId = uniqueId('lost');
    await plain.loadJob(aJob({ id: jobId }), Array.from({ length: 3 }, (_, n) => aFailedTask({ id: `t${n}`, job_id: jobId })));
    // The first transaction (the bulk commit) lands, and its answer is lost on the way back.
    const lostOnce = resetAfterSend({ when: isCommit, times: 1 });
    const app = await appFor(tableWith(tableName, lostOnce), { timing: FAST });
    const outcome = await reactivateFailedTasks(app, { jobId, body: { max_tasks: 10_000, dry_run: false }, requestId: randomUUID(), clientRequestId: randomUUID(), trigger: 'http', deadline: Deadline.ofSeconds(20) });
    expect(lostOnce.struck).toBe(1);
    // The SDK's retry of the commit lost its If-Match to the commit itself; the re-read found the rows as this request's.
    expect(outcome).toMatchObject({ kind: 'bulkReactivated', result: { reactivated: ['t0', 't1', 't2'] } });
    await app.outbox.settled();
    expect(await messagesOn(app.events)).toBe(0);
    expect(await messagesOn(app.outboxChecks)).toBe(1);
    await runChecks(app);
    expect(await messagesOn(app.events)).toBe(3);
    expect(await table.unpublishedEvents(jobId)).toEqual([]);
  });
});

describe('a concurrent run without faults', () => {
  it('sends every event exactly once: inline publishers, and checks that find everything done', async () => {
    const app = await appFor(table, { timing: FAST });
    const jobId = await seed(30);
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, n) => reactivateTask(app, command(jobId, `t${String(n).padStart(3, '0')}`))));
    expect(outcomes.every((outcome) => outcome.kind === 'reactivated' && outcome.event === 'published')).toBe(true);
    await app.outbox.settled();
    await runChecks(app);
    const events = await eventsOn(app);
    expect(events).toHaveLength(30);
    expect(new Set(events.map((event) => event.event_id)).size).toBe(30);
  });
});

describe('a bulk reactivation', () => {
  it('has every event on the queue by the time it answers, and marks the rows in transactions', async () => {
    const app = await appFor(table, { timing: FAST });
    const jobId = await seed(200);
    const outcome = await reactivateFailedTasks(app, {
      jobId,
      body: { max_tasks: 10_000, dry_run: false },
      requestId: randomUUID(),
      clientRequestId: randomUUID(),
      trigger: 'http',
      deadline: Deadline.ofSeconds(20),
    });
    expect(outcome).toMatchObject({ kind: 'bulkReactivated' });
    expect(await messagesOn(app.events)).toBe(200);
    await app.outbox.settled();
    expect(await table.unpublishedEvents(jobId)).toEqual([]);
    expect(await messagesOn(app.outboxChecks)).toBe(0);
  });
});

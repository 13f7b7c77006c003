import { randomUUID } from 'node:crypto';

import { InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { createTableClient } from '../../src/storage/tableClient';
import { reactivateTaskFromQueueHandler } from '../../src/functions/reactivateTaskFromQueue';
import { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob } from '../support/fixtures';
import { appFor, azuriteConnectionString, peekAll } from '../support/storage';

/**
 * Hostile queue messages, as the worker hands them over (a payload that parsed as JSON arrives
 * parsed; anything else as text): each one is poisoned at once with its reason, the handler never
 * throws (a throw would buy four useless redeliveries), and the table is byte for byte unchanged.
 */

const JOB = 'Hostile-Queue';
let table: FixtureTable;
let snapshotRows: () => Promise<string>;

beforeAll(async () => {
  const tableName = `hostileq${randomUUID().replaceAll('-', '')}`;
  const client = createTableClient({ kind: 'connectionString', connectionString: azuriteConnectionString() }, tableName);
  table = new FixtureTable(client);
  await table.ensureExists();
  await table.loadJob(aJob({ id: JOB }), [aFailedTask({ id: 't1', job_id: JOB })]);
  snapshotRows = async () => {
    const rows: unknown[] = [];
    for await (const row of client.listEntities()) rows.push(row);
    return JSON.stringify(rows);
  };
});

const badId = fc.oneof(fc.constant(''), fc.string({ minLength: 65, maxLength: 80 }), fc.constantFrom('a/b', 'a#b', 'a?b', '%2F', 'tâche', '日本', 'a b', '..'));
const anyJson = fc.jsonValue({ maxDepth: 6 });

/** Messages that are wrong by construction: never a valid reactivation request. */
const hostileMessage: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 5 }),
  fc.record({ job_id: badId, task_id: fc.constant('t1') }),
  fc.record({ job_id: fc.constant(JOB), task_id: badId }),
  fc.record({ job_id: fc.constant(JOB), task_id: fc.constant('t1'), request_id: fc.string({ maxLength: 40 }).filter((s) => !/^[0-9a-f-]{36}$/i.test(s)) }),
  fc.record({ job_id: fc.constant(JOB), task_id: fc.constant('t1'), if_match: fc.constantFrom('', 'a b', 'x'.repeat(300), '\u0000') }),
  fc.record({ job_id: fc.constant(JOB), task_id: fc.constant('t1'), extra: anyJson }),
  fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 5 }),
  // Huge: as large as the host lets a message be.
  fc.integer({ min: 40_000, max: 48_000 }).map((length) => ({ job_id: JOB, task_id: 'x'.repeat(length) })),
  // Deeply nested JSON.
  fc.integer({ min: 50, max: 400 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
);

describe('hostile queue messages', () => {
  it('are poisoned at once with a reason, never thrown, and change nothing', async () => {
    const app = await appFor(table);
    const { events, poison } = app;
    const handler = reactivateTaskFromQueueHandler(app);
    const before = await snapshotRows();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(hostileMessage, async (message) => {
        const context = new InvocationContext({ invocationId: randomUUID(), functionName: 'q', triggerMetadata: { id: randomUUID(), dequeueCount: 1 }, logHandler: () => undefined });
        await handler(message, context);
        sent += 1;
      }),
      { numRuns: 150 },
    );
    expect(await snapshotRows()).toBe(before);
    expect(await peekAll(events)).toEqual([]);
    const { approximateMessagesCount } = await poison.queueClient.getProperties();
    expect(approximateMessagesCount).toBe(sent);
    const [first] = (await peekAll(poison)) as { reason: string }[];
    expect(first?.reason).toMatch(/^Invalid message: /);
  });
});

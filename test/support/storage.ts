import { randomUUID } from 'node:crypto';

import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { inject } from 'vitest';

import { assemble, type AppDependencies } from '../../src/compose';
import { loadConfig, SETTING } from '../../src/config';
import { systemClock, type Clock } from '../../src/service/clock';
import { FixtureTable } from '../../src/storage/fixtureLoader';
import { createQueueClient, decodeMessage, MessageQueue } from '../../src/storage/messageQueue';
import { createTableClient } from '../../src/storage/tableClient';
import type { TableTaskStore } from '../../src/storage/tableTaskStore';
import { TableOutboxStore } from '../../src/storage/tableOutboxStore';
import { TableRetentionStore } from '../../src/storage/tableRetentionStore';
import type { OutboxTiming } from '../../src/outbox/outbox';
import type { OutboxStore } from '../../src/outbox/outboxStore';

export function azuriteConnectionString(): string {
  return inject('azuriteConnectionString');
}

/** A fresh, empty table on the test Azurite, so tests never see each other's rows. */
export async function freshTable(): Promise<{ table: FixtureTable; tableName: string }> {
  const tableName = `t${randomUUID().replaceAll('-', '')}`;
  const table = new FixtureTable(createTableClient({ kind: 'connectionString', connectionString: azuriteConnectionString() }, tableName));
  await table.ensureExists();
  return { table, tableName };
}

/** Another client on the same table, whose requests pass through `policies` (faults, holds). */
export function tableWith(tableName: string, ...policies: PipelinePolicy[]): FixtureTable {
  return new FixtureTable(createTableClient({ kind: 'connectionString', connectionString: azuriteConnectionString() }, tableName, policies));
}

/** True for a point read of the job row (`RowKey='job'`) or of a task row (`RowKey='task|…'`). */
export function isRowRead(request: { method: string; url: string }, row: 'job' | 'task'): boolean {
  const url = decodeURIComponent(request.url);
  return request.method === 'GET' && (row === 'job' ? url.includes("RowKey='job'") : url.includes("RowKey='task|"));
}

/**
 * A table client whose second read of a round trip (`held`: the task row, or a listing) waits, after
 * the job row was read, until `gate` resolves: the two reads then straddle whatever the test does
 * meanwhile, deterministically.
 */
export function readsStraddling(
  tableName: string,
  held: (request: { method: string; url: string }) => boolean,
  gate: () => Promise<void>,
): { table: FixtureTable; jobWasRead: Promise<void> } {
  let jobRead: () => void = () => undefined;
  const jobWasRead = new Promise<void>((resolve) => (jobRead = resolve));
  const table = tableWith(tableName, {
    name: 'straddle',
    async sendRequest(request, next) {
      if (isRowRead(request, 'job')) {
        const response = await next(request);
        jobRead();
        return response;
      }
      if (held(request)) {
        await jobWasRead;
        await gate();
      }
      return next(request);
    },
  });
  return { table, jobWasRead };
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A fresh, empty queue on the test Azurite. */
export async function freshQueue(prefix = 'q'): Promise<MessageQueue> {
  const queue = new MessageQueue(createQueueClient({ kind: 'connectionString', connectionString: azuriteConnectionString() }, `${prefix}-${randomUUID()}`));
  await queue.ensureExists();
  return queue;
}

/** Every message now on a queue, decoded, without removing any (Azurite peeks at most 32). */
export async function peekAll(queue: MessageQueue): Promise<unknown[]> {
  const peeked = await queue.queueClient.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((item) => decodeMessage(item.messageText));
}

export interface TestApp extends AppDependencies {
  events: MessageQueue;
  requests: MessageQueue;
  poison: MessageQueue;
  sweeps: MessageQueue;
  outboxChecks: MessageQueue;
  retentionQueue: MessageQueue;
}

/**
 * The app's dependencies around a table of the test's (any client of it: a faulty one, one with a
 * seam) and fresh queues on the test Azurite, as the composition root builds them in a deployment.
 */
export interface AppOptions {
  events?: MessageQueue;
  clock?: Clock;
  timing?: OutboxTiming;
  retentionDays?: number;
  /** The outbox's storage, when a test wraps it (a seam, a fault). */
  outboxStore?: (store: TableOutboxStore) => OutboxStore;
}

export async function appFor(store: TableTaskStore, options: AppOptions = {}): Promise<TestApp> {
  const [events, requests, poison, sweeps, outboxChecks, retentionQueue] = await Promise.all([
    options.events ?? freshQueue('events'),
    freshQueue('requests'),
    freshQueue('poison'),
    freshQueue('sweeps'),
    freshQueue('checks'),
    freshQueue('retention'),
  ]);
  const config = loadConfig({ [SETTING.connectionString]: azuriteConnectionString(), [SETTING.historyRetentionDays]: String(options.retentionDays ?? 30) });
  const client = store.tableClient;
  const deps = assemble(
    {
      config,
      clock: options.clock ?? systemClock,
      store,
      outboxStore: (options.outboxStore ?? ((plain) => plain))(new TableOutboxStore(client)),
      retentionStore: new TableRetentionStore(client),
      events,
      reactivationRequests: requests,
      reactivationPoison: poison,
      sweeps,
      outboxChecks,
      retentionQueue,
    },
    options.timing,
  );
  return { ...deps, events, requests, poison, sweeps, outboxChecks, retentionQueue };
}

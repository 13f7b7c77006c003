import { randomUUID } from 'node:crypto';

import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { inject } from 'vitest';

import { buildDependencies, type AppDependencies } from '../../src/compose';
import { loadConfig, SETTING } from '../../src/config';
import { createQueueClient, decodeMessage, MessageQueue } from '../../src/storage/messageQueue';
import { createTableClient } from '../../src/storage/tableClient';
import { TaskTable } from '../../src/storage/taskTable';

export function azuriteConnectionString(): string {
  return inject('azuriteConnectionString');
}

/** A fresh, empty table on the test Azurite, so tests never see each other's rows. */
export async function freshTable(): Promise<{ table: TaskTable; tableName: string }> {
  const tableName = `t${randomUUID().replaceAll('-', '')}`;
  const table = new TaskTable(createTableClient({ kind: 'connectionString', connectionString: azuriteConnectionString() }, tableName));
  await table.ensureExists();
  return { table, tableName };
}

/** Another client on the same table, whose requests pass through `policies` (faults, holds). */
export function tableWith(tableName: string, ...policies: PipelinePolicy[]): TaskTable {
  return new TaskTable(createTableClient({ kind: 'connectionString', connectionString: azuriteConnectionString() }, tableName, policies));
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
): { table: TaskTable; jobWasRead: Promise<void> } {
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

/**
 * What an HTTP route's handler needs, around a given table and events queue. HTTP routes use only
 * these two; the rest (settings, the poison queue) is built from the test Azurite's settings.
 */
export function routeDependencies(table: TaskTable, events: MessageQueue): AppDependencies {
  return { ...buildDependencies(loadConfig({ [SETTING.connectionString]: azuriteConnectionString() })), table, events };
}

import { randomUUID } from 'node:crypto';

import { inject } from 'vitest';

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

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

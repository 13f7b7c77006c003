import { randomUUID } from 'node:crypto';

import { TableClient } from '@azure/data-tables';

import type { Job } from '../src/domain/job';
import type { Task } from '../src/domain/task';
import { createTableClient } from '../src/storage/tableClient';
import { TaskTable } from '../src/storage/taskTable';
import { aFailedTask, aJob, aRunningTask } from '../test/support/fixtures';

/** The test suite's builders, so a benchmark row is the same task a test uses. */
export function job(id: string): Job {
  return aJob({ id });
}

export function failedTask(jobId: string, id: string): Task {
  return aFailedTask({ id, job_id: jobId });
}

export function activeTask(jobId: string, id: string): Task {
  return aRunningTask({ id, job_id: jobId, state: 'active' });
}

/** A table of its own for one measurement, so one run's rows never slow another's. */
export interface World {
  tableName: string;
  table: TaskTable;
  /** The same table through a bare SDK client, for the baselines. */
  raw: TableClient;
}

export async function newWorld(connectionString: string): Promise<World> {
  const tableName = `bench${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const table = new TaskTable(createTableClient({ kind: 'connectionString', connectionString }, tableName));
  await table.ensureExists();
  const raw = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
  return { tableName, table, raw };
}

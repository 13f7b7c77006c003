import { randomUUID } from 'node:crypto';

import { TableClient } from '@azure/data-tables';

import type { Job } from '../src/domain/job';
import type { Task } from '../src/domain/task';
import { createTableClient } from '../src/storage/tableClient';
import { TaskTable } from '../src/storage/taskTable';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-01T01:00:00.000Z';

export function job(id: string): Job {
  return { id, state: 'active', state_transition_time: T0, previous_state: null, created_at: T0, last_modified: T0, termination_reason: null };
}

export function failedTask(jobId: string, id: string): Task {
  return {
    id,
    job_id: jobId,
    state: 'completed',
    state_transition_time: T1,
    previous_state: 'running',
    previous_state_transition_time: T0,
    created_at: T0,
    last_modified: T1,
    max_retry_count: 3,
    retry_count: 3,
    requeue_count: 0,
    exit_code: 1,
    result: 'failure',
    failure_info: { category: 'usererror', code: 'FailureExitCode', message: 'exit 1' },
    start_time: T0,
    end_time: T1,
    last_retry_time: T0,
    reactivation_count: 0,
  };
}

export function activeTask(jobId: string, id: string): Task {
  return { ...failedTask(jobId, id), state: 'active', previous_state: null, exit_code: null, result: null, failure_info: null, end_time: null };
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

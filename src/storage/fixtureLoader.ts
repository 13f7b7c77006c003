import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';

import { chunksOf } from '../domain/chunks';
import type { HistoryRecord } from '../domain/history';

import type { Job } from '../domain/job';
import type { Task } from '../domain/task';
import { MAX_TRANSACTION_ROWS } from './conditionalWrites';
import { fromHistoryEntity, toJobEntity, toTaskEntity } from './entities';
import { partitionKey } from './keys';
import { translateFault } from './storageErrors';
import { queryRows } from './tableRows';
import { TableTaskStore } from './tableTaskStore';

/**
 * Loads a job and its tasks as given, replacing rows with the same ids. It bypasses the race
 * protocol (unconditional upserts) and is meant for fixtures only: `npm run seed`, tests and the
 * benchmark, never a request.
 */
export async function loadJob(client: TableClient, job: Job, tasks: readonly Task[], signal?: AbortSignal): Promise<void> {
  const stamp = job.state === 'terminating' || job.state === 'completed' ? 'terminating' : 'active';
  const rows = [toJobEntity(job), ...tasks.map((task) => toTaskEntity(task, stamp, null))];
  try {
    for (const batch of chunksOf(rows, MAX_TRANSACTION_ROWS)) {
      const actions: TransactionAction[] = batch.map((row) => ['upsert', row, 'Replace']);
      await client.submitTransaction(actions, { abortSignal: signal });
    }
  } catch (error) {
    throw translateFault(error);
  }
}

/** The task store with the fixture loader beside it: what seeding, tests and the benchmark work with. */
export class FixtureTable extends TableTaskStore {
  loadJob(job: Job, tasks: readonly Task[], signal?: AbortSignal): Promise<void> {
    return loadJob(this.client, job, tasks, signal);
  }

  /** The history records of a job whose event is not marked published: a check for tests and the soak, which reads the job's whole history. */
  unpublishedEvents(jobId: string, signal?: AbortSignal): Promise<HistoryRecord[]> {
    const filter = odata`PartitionKey eq ${partitionKey(jobId)} and RowKey ge ${'hist|'} and RowKey lt ${'hist}'} and event_published eq false`;
    return queryRows(this.client, filter, fromHistoryEntity, signal);
  }
}

import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';

import { chunksOf } from '../domain/chunks';
import type { TaskSnapshot } from '../domain/task';
import type { OutboxRef, OutboxRow, OutboxStore } from '../outbox/outboxStore';
import type { ConditionalWrite } from '../service/taskStore';
import { ifMatched, MAX_TRANSACTION_ROWS, submitAtomically } from './conditionalWrites';
import { fromOutboxEntity, fromTaskEntity } from './entities';
import { historyRangeOfTasks, partitionKey, taskRowKey } from './keys';
import { getRow, queryRows } from './tableRows';

/**
 * The outbox on Table Storage: a reactivation's history row is its event's outbox row, in the job's
 * partition. A request's rows are found by one range query over the history rows of the tasks it
 * names, filtered by its key in storage: the cost follows the events asked about, never the size of
 * the table or of the history.
 */
export class TableOutboxStore implements OutboxStore {
  constructor(private readonly client: TableClient) {}

  async findOutbox(jobId: string, taskIds: readonly string[], key: string, signal?: AbortSignal): Promise<OutboxRow[]> {
    const range = historyRangeOfTasks(taskIds);
    const filter = odata`PartitionKey eq ${partitionKey(jobId)} and RowKey ge ${range.from} and RowKey lt ${range.to} and (client_request_id eq ${key} or request_id eq ${key})`;
    return queryRows(this.client, filter, fromOutboxEntity, signal);
  }

  async claimOutbox(ref: OutboxRef, claimer: string, signal?: AbortSignal): Promise<ConditionalWrite> {
    const entity = { partitionKey: partitionKey(ref.jobId), rowKey: ref.row, claimed_by: claimer };
    const outcome = await ifMatched(() => this.client.updateEntity(entity, 'Merge', { etag: ref.etag, abortSignal: signal }));
    if (outcome.kind === 'conflict' || outcome.value.etag === undefined) return { kind: 'conflict' };
    return { kind: 'written', etag: outcome.value.etag };
  }

  async markPublished(refs: readonly OutboxRef[], signal?: AbortSignal): Promise<void> {
    const byJob = new Map<string, OutboxRef[]>();
    for (const ref of refs) byJob.set(ref.jobId, [...(byJob.get(ref.jobId) ?? []), ref]);
    const batches = [...byJob.values()].flatMap((rows) => chunksOf(rows, MAX_TRANSACTION_ROWS));
    await Promise.all(
      batches.map(async (batch) => {
        const outcome = await submitAtomically(this.client, batch.map(markAction), signal);
        // Some row was taken over since its ref was read: mark the others one by one, and leave that
        // one to whoever holds it now.
        if (outcome.kind === 'conflict') await Promise.all(batch.map((ref) => submitAtomically(this.client, [markAction(ref)], signal)));
      }),
    );
  }

  async readTask(jobId: string, taskId: string, signal?: AbortSignal): Promise<TaskSnapshot | null> {
    const entity = await getRow(this.client, partitionKey(jobId), taskRowKey(taskId), signal);
    return entity === null ? null : fromTaskEntity(entity);
  }
}

function markAction(ref: OutboxRef): TransactionAction {
  return ['update', { partitionKey: partitionKey(ref.jobId), rowKey: ref.row, event_published: true }, 'Merge', { etag: ref.etag }];
}

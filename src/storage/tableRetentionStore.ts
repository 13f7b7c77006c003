import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';

import { chunksOf } from '../domain/chunks';
import type { RetentionStore } from '../retention/retentionStore';
import { MAX_TRANSACTION_ROWS, submitAtomically } from './conditionalWrites';
import { expiredRowKey, expiryRowsUpTo, partitionKey, RETENTION_DAYS_PARTITION, retentionDayPartition } from './keys';
import { isMissingRow, translateFault } from './storageErrors';
import { getRow } from './tableRows';

/**
 * Retention on Table Storage. A job is filed under a day as a row of that day's partition; a
 * scheduled day is a row of the days partition; a job's expiring rows are found by their expiry
 * index rows, a key range ordered by day, so each query returns exactly rows to delete.
 */
export class TableRetentionStore implements RetentionStore {
  constructor(private readonly client: TableClient) {}

  async fileJob(day: string, jobId: string, signal?: AbortSignal): Promise<void> {
    await this.upsert(retentionDayPartition(day), partitionKey(jobId), signal);
  }

  async isDayScheduled(day: string, signal?: AbortSignal): Promise<boolean> {
    return (await getRow(this.client, RETENTION_DAYS_PARTITION, day, signal)) !== null;
  }

  async markDayScheduled(day: string, signal?: AbortSignal): Promise<void> {
    await this.upsert(RETENTION_DAYS_PARTITION, day, signal);
  }

  async jobsOfDay(day: string, limit: number, signal?: AbortSignal): Promise<string[]> {
    return (await this.firstPage(odata`PartitionKey eq ${retentionDayPartition(day)}`, limit, signal)).rows;
  }

  async expireRows(jobId: string, upToDay: string, limit: number, signal?: AbortSignal): Promise<{ deleted: number; more: boolean }> {
    const range = expiryRowsUpTo(upToDay);
    const pk = partitionKey(jobId);
    const page = await this.firstPage(odata`PartitionKey eq ${pk} and RowKey ge ${range.from} and RowKey lt ${range.to}`, Math.max(1, limit), signal);
    // Each expired row goes with its index row, in one transaction, so neither outlives the other.
    const rows = page.rows.flatMap((index) => [expiredRowKey(index), index]);
    for (const batch of chunksOf(rows, MAX_TRANSACTION_ROWS)) await this.deleteAll(pk, batch, signal);
    return { deleted: page.rows.length, more: page.more };
  }

  async unfileJob(day: string, jobId: string, signal?: AbortSignal): Promise<void> {
    await this.delete(retentionDayPartition(day), partitionKey(jobId), signal);
  }

  async unscheduleDay(day: string, signal?: AbortSignal): Promise<void> {
    await this.delete(RETENTION_DAYS_PARTITION, day, signal);
  }

  /**
   * Deletes rows of one partition together; a row already gone (a run that died after its deletes
   * landed, run again) fails the whole transaction, so they are then deleted one by one.
   */
  private async deleteAll(pk: string, rowKeys: readonly string[], signal?: AbortSignal): Promise<void> {
    const actions = rowKeys.map((rowKey): TransactionAction => ['delete', { partitionKey: pk, rowKey }]);
    try {
      await submitAtomically(this.client, actions, signal);
    } catch (error) {
      if (!isMissingRow(error)) throw error;
      await Promise.all(rowKeys.map((rowKey) => this.delete(pk, rowKey, signal)));
    }
  }

  private async delete(pk: string, rk: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.deleteEntity(pk, rk, { abortSignal: signal });
    } catch (error) {
      if (!isMissingRow(error)) throw translateFault(error);
    }
  }

  private async upsert(pk: string, rk: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.upsertEntity({ partitionKey: pk, rowKey: rk }, 'Replace', { abortSignal: signal });
    } catch (error) {
      throw translateFault(error);
    }
  }

  /** The row keys of the first page a query answers, of at most `size` rows; `more` when it went on. */
  private async firstPage(filter: string, size: number, signal?: AbortSignal): Promise<{ rows: string[]; more: boolean }> {
    try {
      const pages = this.client.listEntities({ queryOptions: { filter, select: ['RowKey'] }, abortSignal: signal }).byPage({ maxPageSize: Math.min(size, 1_000) });
      for await (const page of pages) return { rows: page.flatMap((entity) => (entity.rowKey === undefined ? [] : [entity.rowKey])), more: page.continuationToken !== undefined };
      return { rows: [], more: false };
    } catch (error) {
      throw translateFault(error);
    }
  }
}

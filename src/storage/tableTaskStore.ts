import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';

import type { HistoryRecord } from '../domain/history';
import type { JobRow, JobSnapshot } from '../domain/job';
import type { ReactivationChange } from '../domain/reactivation';
import type { TaskSnapshot } from '../domain/task';
import { dayOf } from '../retention/retention';
import type { ConditionalCommit, ConditionalWrite, PageRequest, ReactivationCommit, StoredBulkAnswer, SweptRow, TaskListing, TaskPage, TaskStore } from '../service/taskStore';
import { fromBulkResultEntity, toBulkResultEntity } from './bulkResultEntity';
import { ifMatched, MAX_TRANSACTION_ROWS, submitAtomically } from './conditionalWrites';
import { fromHistoryEntity, fromJobEntity, fromTaskEntity, toExpiryEntity, toHistoryEntity, toJobRowEntity, toTaskEntity } from './entities';
import { bulkResultRowKey, historyRange, historyRowKey, JOB_ROW_KEY, partitionKey, TASK_ROWS, taskRowKey } from './keys';
import { statusOf, translateFault } from './storageErrors';
import { getRow, queryRows, type Entity } from './tableRows';

/**
 * The rows one reactivation writes: its task row (If-Match on the version it was planned on,
 * carrying the request's idempotency key), its history row (its event's outbox, born claimed by
 * that key) and the history row's expiry index row.
 */
export function reactivationActions(change: ReactivationChange, idempotencyKey: string): TransactionAction[] {
  const history = toHistoryEntity(change.history, idempotencyKey);
  return [
    ['update', toTaskEntity(change.task, change.from.jobStamp, idempotencyKey), 'Replace', { etag: change.from.etag }],
    ['create', history],
    ['create', toExpiryEntity(change.history.job_id, dayOf(new Date(change.history.reactivated_at)), history.rowKey)],
  ];
}

/** The most rows Table Storage returns in one page of a query. */
export const MAX_PAGE_ROWS = 1_000;

/** Counts the rows of `reactivationActions`. */
const ROWS_PER_REACTIVATION = 3;

/**
 * The use cases' storage on Table Storage: one partition per job, holding the job row, a row per
 * task and a row per history record, so a task and its history commit in one entity-group
 * transaction. Every write of the race protocol is a Replace with If-Match on the ETag that was
 * read, never an upsert: an upsert cannot carry If-Match, and the last writer would silently win.
 */
export class TableTaskStore implements TaskStore {
  readonly reactivationsPerCommit = Math.floor(MAX_TRANSACTION_ROWS / ROWS_PER_REACTIVATION);
  readonly sweepRowsPerCommit = MAX_TRANSACTION_ROWS;
  readonly maxRowsPerPage = MAX_PAGE_ROWS;

  constructor(protected readonly client: TableClient) {}

  /** The client itself, so the outbox and retention stores of one deployment share it. */
  get tableClient(): TableClient {
    return this.client;
  }

  async readJob(jobId: string, signal?: AbortSignal): Promise<JobSnapshot | null> {
    const entity = await this.getRow(partitionKey(jobId), JOB_ROW_KEY, signal);
    return entity === null ? null : fromJobEntity(entity);
  }

  async readTask(jobId: string, taskId: string, signal?: AbortSignal): Promise<TaskSnapshot | null> {
    const entity = await this.getRow(partitionKey(jobId), taskRowKey(taskId), signal);
    return entity === null ? null : fromTaskEntity(entity);
  }

  async writeJob(row: JobRow, etag: string, signal?: AbortSignal): Promise<ConditionalWrite> {
    const outcome = await ifMatched(() => this.client.updateEntity(toJobRowEntity(row), 'Replace', { etag, abortSignal: signal }));
    if (outcome.kind === 'conflict') return outcome;
    // Without the new ETag the caller re-reads the row, which shows what was written.
    const written = outcome.value.etag;
    return written === undefined ? { kind: 'conflict' } : { kind: 'written', etag: written };
  }

  async commitReactivations(changes: readonly ReactivationChange[], idempotencyKey: string, signal?: AbortSignal): Promise<ReactivationCommit> {
    const outcome = await submitAtomically(this.client, changes.flatMap((change) => reactivationActions(change, idempotencyKey)), signal);
    if (outcome.kind === 'conflict') return outcome;
    return {
      kind: 'committed',
      rows: changes.map((change, index) => {
        const historyEtag = outcome.etags[index * ROWS_PER_REACTIVATION + 1];
        const row = historyRowKey(change.history.task_id, change.history.reactivation_number);
        return { taskEtag: outcome.etags[index * ROWS_PER_REACTIVATION], outbox: historyEtag === undefined ? undefined : { jobId: change.history.job_id, row, etag: historyEtag } };
      }),
    };
  }

  async commitSweep(rows: readonly SweptRow[], signal?: AbortSignal): Promise<ConditionalCommit> {
    const actions = rows.map(({ from, task, stamp }): TransactionAction => ['update', toTaskEntity(task, stamp, from.lastRequestId), 'Replace', { etag: from.etag }]);
    const outcome = await submitAtomically(this.client, actions, signal);
    return outcome.kind === 'conflict' ? outcome : { kind: 'committed' };
  }

  /** Every task of a job, in id order, read to the end: for tests, fixtures and the benchmark; no use case reads a whole job. */
  async listTasks(jobId: string, signal?: AbortSignal): Promise<TaskSnapshot[]> {
    return this.query(odata`PartitionKey eq ${partitionKey(jobId)} and RowKey ge ${TASK_ROWS.from} and RowKey lt ${TASK_ROWS.to}`, fromTaskEntity, signal);
  }

  /**
   * One request: `$top` asks for no more than the page size, and storage's continuation token (a
   * page of fewer rows, even none, can carry one) is handed back as `resume`, so a listing filtered
   * in storage goes on where the service stopped scanning rather than rescanning rows it skipped.
   */
  async listTaskPage(jobId: string, listing: TaskListing, page: PageRequest, signal?: AbortSignal): Promise<TaskPage> {
    if (!Number.isInteger(page.size) || page.size < 1 || page.size > MAX_PAGE_ROWS) throw new RangeError(`A page holds 1 to ${MAX_PAGE_ROWS} rows.`);
    const pk = partitionKey(jobId);
    const range =
      listing.after === null
        ? odata`PartitionKey eq ${pk} and RowKey ge ${TASK_ROWS.from} and RowKey lt ${TASK_ROWS.to}`
        : odata`PartitionKey eq ${pk} and RowKey gt ${taskRowKey(listing.after)} and RowKey lt ${TASK_ROWS.to}`;
    const { rows } = listing;
    const filter =
      rows.kind === 'all'
        ? range
        : rows.kind === 'carrying'
          ? `${range} and ${odata`last_request_id eq ${rows.key}`}`
          : `${range} and ${odata`((state eq ${'completed'} and result eq ${'failure'}) or last_request_id eq ${rows.key})`}`;
    try {
      const pages = this.client.listEntities({ queryOptions: { filter }, abortSignal: signal }).byPage({ maxPageSize: page.size, ...(page.resume === null ? {} : { continuationToken: page.resume }) });
      const first = await pages.next();
      if (first.done === true) return { tasks: [], resume: null };
      return { tasks: first.value.map(fromTaskEntity), resume: first.value.continuationToken ?? null };
    } catch (error) {
      throw translateFault(error);
    }
  }

  async listTaskRange(jobId: string, fromTaskId: string, toTaskId: string, signal?: AbortSignal): Promise<TaskSnapshot[]> {
    return this.query(odata`PartitionKey eq ${partitionKey(jobId)} and RowKey ge ${taskRowKey(fromTaskId)} and RowKey le ${taskRowKey(toTaskId)}`, fromTaskEntity, signal);
  }

  /**
   * Newest first, by reactivation number. The keys sort so; the records are sorted again because
   * rows written before the keys carried the number sorted by the writer's clock.
   */
  async listHistory(jobId: string, taskId: string, signal?: AbortSignal): Promise<HistoryRecord[]> {
    const range = historyRange(taskId);
    const records = await this.query(odata`PartitionKey eq ${partitionKey(jobId)} and RowKey ge ${range.from} and RowKey lt ${range.to}`, fromHistoryEntity, signal);
    return records.sort((a, b) => b.reactivation_number - a.reactivation_number);
  }

  async readBulkAnswer(jobId: string, idempotencyKey: string, signal?: AbortSignal): Promise<StoredBulkAnswer | null> {
    const entity = await this.getRow(partitionKey(jobId), bulkResultRowKey(idempotencyKey), signal);
    return entity === null ? null : fromBulkResultEntity(entity);
  }

  /** With its expiry index row, in one transaction; an answer already kept stays as it is (409). */
  async saveBulkAnswer(jobId: string, idempotencyKey: string, answer: StoredBulkAnswer, signal?: AbortSignal): Promise<void> {
    const entity = toBulkResultEntity(jobId, idempotencyKey, answer);
    try {
      await submitAtomically(this.client, [['create', entity], ['create', toExpiryEntity(jobId, dayOf(new Date(answer.savedAt)), entity.rowKey)]], signal);
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
  }

  async ensureExists(): Promise<void> {
    await this.client.createTable();
  }

  private getRow(pk: string, rk: string, signal?: AbortSignal): Promise<Entity | null> {
    return getRow(this.client, pk, rk, signal);
  }

  private query<T>(filter: string, map: (entity: Entity) => T, signal?: AbortSignal): Promise<T[]> {
    return queryRows(this.client, filter, map, signal);
  }
}

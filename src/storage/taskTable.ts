import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';

import type { BulkReactivationResult } from '../domain/bulkResult';
import type { HistoryRecord } from '../domain/history';
import type { Job, JobSnapshot } from '../domain/job';
import type { ReactivationChange } from '../domain/reactivation';
import type { JobState } from '../domain/states';
import type { Task, TaskSnapshot } from '../domain/task';
import { fromHistoryEntity, fromJobEntity, fromTaskEntity, toHistoryEntity, toJobEntity, toTaskEntity } from './entities';
import { fromBulkResultEntity, toBulkResultEntity, type StoredBulkResult } from './bulkResultEntity';
import { bulkResultRowKey, HISTORY_ROWS, historyRange, historyRowKey, JOB_ROW_KEY, partitionKey, TASK_ROWS, taskRowKey } from './keys';
import { isMissingRow, statusOf, translateFault } from './storageErrors';

type Entity = TableEntityResult<Record<string, unknown>>;

/** A conditional write either commits or loses its `If-Match`; faults are thrown. */
export type WriteResult = { committed: true; etag: string } | { committed: false };

/** One task row of a termination sweep: what was read, and what to write in its place. */
export interface SweepItem {
  snapshot: TaskSnapshot;
  task: Task;
  stamp: JobState;
}

/** A transaction of many rows commits whole, or some row of it lost its `If-Match` (the caller re-reads them all). */
export interface TransactionResult {
  committed: boolean;
}

/**
 * The rows one reactivation writes, for a transaction of its own or shared with others of the same
 * job: the task row (`If-Match` on the ETag read, carrying the idempotency key) and its history row.
 */
export function reactivationActions(snapshot: TaskSnapshot, task: Task, history: HistoryRecord, idempotencyKey: string): TransactionAction[] {
  // ROWS_PER_REACTIVATION counts these rows.
  return [
    ['update', toTaskEntity(task, snapshot.jobStamp, idempotencyKey), 'Replace', { etag: snapshot.etag }],
    ['create', toHistoryEntity(history)],
  ];
}

/** The largest entity-group transaction Table Storage accepts. */
export const MAX_TRANSACTION_ROWS = 100;


/** The rows one reactivation writes: a task row and a history row. */
const ROWS_PER_REACTIVATION = 2;

/** Groups reactivations of one job into transactions of at most 100 rows, in the order given. */
export function reactivationTransactions<T extends ReactivationChange>(changes: readonly T[]): T[][] {
  const perTransaction = Math.floor(MAX_TRANSACTION_ROWS / ROWS_PER_REACTIVATION);
  const groups: T[][] = [];
  for (let start = 0; start < changes.length; start += perTransaction) groups.push(changes.slice(start, start + perTransaction));
  return groups;
}

/**
 * The jobs table: every read and write of the race protocol, one partition per job. Every write is
 * conditional on the ETag that was read (Replace with `If-Match`), never an upsert, because an
 * upsert cannot carry `If-Match` and the last writer would silently win.
 */
export class TaskTable {
  constructor(private readonly client: TableClient) {}

  async ensureExists(): Promise<void> {
    await this.client.createTable();
  }

  async readJob(jobId: string, signal?: AbortSignal): Promise<JobSnapshot | null> {
    const entity = await this.getRow(partitionKey(jobId), JOB_ROW_KEY, signal);
    return entity === null ? null : fromJobEntity(entity);
  }

  async readTask(jobId: string, taskId: string, signal?: AbortSignal): Promise<TaskSnapshot | null> {
    const entity = await this.getRow(partitionKey(jobId), taskRowKey(taskId), signal);
    return entity === null ? null : fromTaskEntity(entity);
  }

  /** Both rows in one round trip: two point reads in parallel. */
  async readJobAndTask(jobId: string, taskId: string, signal?: AbortSignal): Promise<{ job: JobSnapshot | null; task: TaskSnapshot | null }> {
    const [job, task] = await Promise.all([this.readJob(jobId, signal), this.readTask(jobId, taskId, signal)]);
    return { job, task };
  }

  /**
   * The reactivation's single commit: the task row (`If-Match` on the ETag read, carrying the
   * idempotency key) and its history row, atomically.
   */
  async commitReactivation(
    snapshot: TaskSnapshot,
    task: Task,
    history: HistoryRecord,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<WriteResult> {
    const actions = reactivationActions(snapshot, task, history, idempotencyKey);
    let etag: string | undefined;
    try {
      etag = (await this.client.submitTransaction(actions, { abortSignal: signal })).subResponses[0]?.etag;
    } catch (error) {
      if (statusOf(error) === 412) return { committed: false };
      throw translateFault(error);
    }
    // Committed, but the answer lacks the new ETag: the caller's re-read finds its own request on
    // the row (a replay) and so learns the ETag, rather than a committed reactivation failing.
    return etag === undefined ? { committed: false } : { committed: true, etag };
  }

  /**
   * Several reactivations of one job in one transaction (at most 100 rows, see
   * `reactivationTransactions`), each task row `If-Match` on the ETag it was planned on. All commit
   * or none.
   */
  async commitReactivations(changes: readonly ReactivationChange[], idempotencyKey: string, signal?: AbortSignal): Promise<TransactionResult> {
    return this.submitWhole(
      changes.flatMap((change) => reactivationActions(change.from, change.task, change.history, idempotencyKey)),
      signal,
    );
  }

  /**
   * The task rows a bulk reactivation looks at, in key order, after the task `after` (a lower-cased
   * id) when given. With `failedOrCarrying`, storage filters to failed tasks and to rows carrying
   * that idempotency key, so a large job with few failures costs few rows; without it, every row.
   */
  async listTasksAfter(jobId: string, options: { after: string | null; failedOrCarrying: string | null }, signal?: AbortSignal): Promise<TaskSnapshot[]> {
    const pk = partitionKey(jobId);
    const range =
      options.after === null
        ? odata`PartitionKey eq ${pk} and RowKey ge ${TASK_ROWS.from} and RowKey lt ${TASK_ROWS.to}`
        : odata`PartitionKey eq ${pk} and RowKey gt ${taskRowKey(options.after)} and RowKey lt ${TASK_ROWS.to}`;
    const key = options.failedOrCarrying;
    const filter = key === null ? range : `${range} and ${odata`((state eq ${'completed'} and result eq ${'failure'}) or last_request_id eq ${key})`}`;
    return this.query(filter, fromTaskEntity, signal);
  }

  async readBulkResult(jobId: string, idempotencyKey: string, signal?: AbortSignal): Promise<StoredBulkResult | null> {
    const entity = await this.getRow(partitionKey(jobId), bulkResultRowKey(idempotencyKey), signal);
    return entity === null ? null : fromBulkResultEntity(entity);
  }

  /** Keeps a bulk answer for repeats of its request. The first answer stays: a second save is a no-op. */
  async saveBulkResult(jobId: string, idempotencyKey: string, fingerprint: string, result: BulkReactivationResult, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.createEntity(toBulkResultEntity(jobId, idempotencyKey, { fingerprint, result }), { abortSignal: signal });
    } catch (error) {
      if (statusOf(error) !== 409) throw translateFault(error);
    }
  }

  async writeJob(job: Job, etag: string, signal?: AbortSignal): Promise<WriteResult> {
    let written: string | undefined;
    try {
      written = (await this.client.updateEntity(toJobEntity(job), 'Replace', { etag, abortSignal: signal })).etag;
    } catch (error) {
      if (statusOf(error) === 412) return { committed: false };
      throw translateFault(error);
    }
    // Without the new ETag the caller re-reads the row, which shows what was written.
    return written === undefined ? { committed: false } : { committed: true, etag: written };
  }

  async listTasks(jobId: string, signal?: AbortSignal): Promise<TaskSnapshot[]> {
    const filter = odata`PartitionKey eq ${partitionKey(jobId)} and RowKey ge ${TASK_ROWS.from} and RowKey lt ${TASK_ROWS.to}`;
    return this.query(filter, fromTaskEntity, signal);
  }

  /** The task rows from one task to another (both included, in key order), in one query. */
  async listTaskRange(jobId: string, fromTaskId: string, toTaskId: string, signal?: AbortSignal): Promise<TaskSnapshot[]> {
    const filter = odata`PartitionKey eq ${partitionKey(jobId)} and RowKey ge ${taskRowKey(fromTaskId)} and RowKey le ${taskRowKey(toTaskId)}`;
    return this.query(filter, fromTaskEntity, signal);
  }

  /** Newest first: history row keys carry an inverted time. */
  async listHistory(jobId: string, taskId: string, signal?: AbortSignal): Promise<HistoryRecord[]> {
    const range = historyRange(taskId);
    const filter = odata`PartitionKey eq ${partitionKey(jobId)} and RowKey ge ${range.from} and RowKey lt ${range.to}`;
    return this.query(filter, fromHistoryEntity, signal);
  }

  /** Marks the outbox of a reactivation done: its event is on the queue. */
  async markEventPublished(record: HistoryRecord, signal?: AbortSignal): Promise<void> {
    const entity = {
      partitionKey: partitionKey(record.job_id),
      rowKey: historyRowKey(record.task_id, record.reactivated_at, record.reactivation_number),
      event_published: true,
    };
    try {
      await this.client.updateEntity(entity, 'Merge', { abortSignal: signal });
    } catch (error) {
      throw translateFault(error);
    }
  }

  /**
   * Reactivations whose event was not marked published and that are older than `before`. This
   * reads across every partition: Table Storage has no secondary index, so the relay pays a scan
   * of the history rows (filtered server-side) on each run.
   */
  async listUnpublishedEvents(before: string, signal?: AbortSignal): Promise<HistoryRecord[]> {
    const filter = odata`RowKey ge ${HISTORY_ROWS.from} and RowKey lt ${HISTORY_ROWS.to} and event_published eq false and reactivated_at lt ${before}`;
    return this.query(filter, fromHistoryEntity, signal);
  }

  /** One batch of a termination sweep (at most 100 rows of one job), each row `If-Match`. */
  async commitSweep(items: readonly SweepItem[], signal?: AbortSignal): Promise<TransactionResult> {
    return this.submitWhole(
      items.map(({ snapshot, task, stamp }) => ['update', toTaskEntity(task, stamp, snapshot.lastRequestId), 'Replace', { etag: snapshot.etag }]),
      signal,
    );
  }

  /** One entity-group transaction of up to 100 rows of one partition: all of it commits, or none. */
  private async submitWhole(actions: TransactionAction[], signal?: AbortSignal): Promise<TransactionResult> {
    if (actions.length === 0) return { committed: true };
    if (actions.length > MAX_TRANSACTION_ROWS) throw new RangeError(`A transaction holds at most ${MAX_TRANSACTION_ROWS} rows.`);
    try {
      await this.client.submitTransaction(actions, { abortSignal: signal });
      return { committed: true };
    } catch (error) {
      if (statusOf(error) !== 412) throw translateFault(error);
      return { committed: false };
    }
  }


  /**
   * Loads a job and its tasks as given, replacing rows with the same ids; it bypasses the protocol
   * and is meant for fixtures. Tasks are written in transactions of up to 100 rows.
   */
  async loadJob(job: Job, tasks: readonly Task[], signal?: AbortSignal): Promise<void> {
    const stamp = job.state === 'terminating' || job.state === 'completed' ? 'terminating' : 'active';
    const rows = [toJobEntity(job), ...tasks.map((task) => toTaskEntity(task, stamp, null))];
    try {
      for (let start = 0; start < rows.length; start += MAX_TRANSACTION_ROWS) {
        const actions: TransactionAction[] = rows.slice(start, start + MAX_TRANSACTION_ROWS).map((row) => ['upsert', row, 'Replace']);
        await this.client.submitTransaction(actions, { abortSignal: signal });
      }
    } catch (error) {
      throw translateFault(error);
    }
  }

  private async getRow(pk: string, rk: string, signal?: AbortSignal): Promise<Entity | null> {
    try {
      return await this.client.getEntity(pk, rk, { abortSignal: signal });
    } catch (error) {
      if (isMissingRow(error)) return null;
      throw translateFault(error);
    }
  }

  private async query<T>(filter: string, map: (entity: Entity) => T, signal?: AbortSignal): Promise<T[]> {
    const results: T[] = [];
    try {
      for await (const entity of this.client.listEntities({ queryOptions: { filter }, abortSignal: signal })) {
        results.push(map(entity));
      }
    } catch (error) {
      throw translateFault(error);
    }
    return results;
  }
}

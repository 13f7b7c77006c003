import { idKey } from '../domain/ids';

/**
 * Row layout: one partition per job, so a task, its history and the job can be written together in
 * one entity-group transaction. `|` separates the parts because ids may contain `-` and `_`: with
 * `-` as separator, a range query for task `a` would also match the rows of task `a-b`. `|` is
 * allowed in keys and sorts after every id character, so `[prefix|, prefix})` is exactly one id.
 */
export const JOB_ROW_KEY = 'job';
const TASK_PREFIX = 'task|';
const HISTORY_PREFIX = 'hist|';
/** The stored answers of bulk reactivations; outside the `task|` range the termination sweeps. */
const BULK_RESULT_PREFIX = 'bulk|';
const RANGE_END = '}';

export function partitionKey(jobId: string): string {
  return idKey(jobId);
}

export function taskRowKey(taskId: string): string {
  return TASK_PREFIX + idKey(taskId);
}

/** The answer of a bulk reactivation, keyed by its idempotency key (a lower-cased UUID). */
export function bulkResultRowKey(idempotencyKey: string): string {
  return BULK_RESULT_PREFIX + idempotencyKey;
}

/** Every task row of a partition, as an OData range. */
export const TASK_ROWS = { from: TASK_PREFIX, to: 'task' + RANGE_END };

export function historyRange(taskId: string): { from: string; to: string } {
  const prefix = `${HISTORY_PREFIX}${idKey(taskId)}|`;
  return { from: prefix, to: prefix.slice(0, -1) + RANGE_END };
}

/**
 * One key range holding the history rows of every task named. History keys do not sort as task keys
 * do (`a-b|` sorts before `a|`), so the range is taken over the history keys themselves.
 */
export function historyRangeOfTasks(taskIds: readonly string[]): { from: string; to: string } {
  const ranges = taskIds.map(historyRange);
  return {
    from: ranges.reduce((low, range) => (range.from < low ? range.from : low), ranges[0]?.from ?? HISTORY_PREFIX),
    to: ranges.reduce((high, range) => (range.to > high ? range.to : high), ranges[0]?.to ?? HISTORY_PREFIX),
  };
}

/**
 * A task's history rows sort newest first: the reactivation number is inverted. It is the task's
 * own count, raised by each reactivation under If-Match, so it is unique per task and, unlike a
 * writer's clock, cannot put reactivation #1 after #2.
 */
export function historyRowKey(taskId: string, reactivationNumber: number): string {
  return `${historyRange(taskId).from}${String(2_147_483_647 - reactivationNumber).padStart(10, '0')}`;
}

/**
 * Expiry index rows, one beside each history row and stored bulk answer, in the same partition and
 * written in the same transaction: `exp|{yyyymmdd}|{row key}`. Retention reads exactly the rows of
 * the days it deletes, in key order, without scanning the history.
 */
const EXPIRY_PREFIX = 'exp|';

export function expiryRowKey(day: string, rowKey: string): string {
  return `${EXPIRY_PREFIX}${day}|${rowKey}`;
}

/** Every expiry index row of the days up to `day`, included. */
export function expiryRowsUpTo(day: string): { from: string; to: string } {
  return { from: EXPIRY_PREFIX, to: `${EXPIRY_PREFIX}${day}${RANGE_END}` };
}

/** The row an expiry index row stands for. */
export function expiredRowKey(indexRowKey: string): string {
  return indexRowKey.slice(EXPIRY_PREFIX.length + 9);
}

/**
 * The retention schedule lives outside every job's partition (ids cannot hold `|`, so these keys
 * never meet a job's): one partition per day listing the jobs with rows of that day, and one row
 * per day already scheduled.
 */
export function retentionDayPartition(day: string): string {
  return `retention|${day}`;
}

export const RETENTION_DAYS_PARTITION = 'retention|days';

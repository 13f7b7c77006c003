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

/** Every history row of a partition (or, without a partition, of the table). */
export const HISTORY_ROWS = { from: HISTORY_PREFIX, to: 'hist' + RANGE_END };

export function historyRange(taskId: string): { from: string; to: string } {
  const prefix = `${HISTORY_PREFIX}${idKey(taskId)}|`;
  return { from: prefix, to: prefix.slice(0, -1) + RANGE_END };
}

const LAST_MILLISECOND = 9_999_999_999_999;

/**
 * Table Storage returns rows in key order, so the time is inverted to list history newest first.
 * The reactivation number breaks ties within one millisecond.
 */
export function historyRowKey(taskId: string, reactivatedAt: string, reactivationNumber: number): string {
  const inverted = String(LAST_MILLISECOND - Date.parse(reactivatedAt)).padStart(13, '0');
  const invertedNumber = String(2_147_483_647 - reactivationNumber).padStart(10, '0');
  return `${historyRange(taskId).from}${inverted}-${invertedNumber}`;
}

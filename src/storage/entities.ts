import type { TableEntity, TableEntityResult } from '@azure/data-tables';
import { z } from 'zod';

import { historyRecordSchema, type HistoryRecord } from '../domain/history';
import { jobSchema, type Job, type JobRow, type JobSnapshot } from '../domain/job';
import { jobStateSchema, type JobState } from '../domain/states';
import { taskSchema, type FailureInfo, type Task, type TaskSnapshot } from '../domain/task';
import type { OutboxRow } from '../outbox/outboxStore';
import { expiryRowKey, historyRowKey, JOB_ROW_KEY, partitionKey, taskRowKey } from './keys';

/**
 * Rows are flat: Table Storage has no nested values and no null, so `failure_info` is spread over
 * three columns and a null is an absent column. Writes use Replace, so a column left out is removed.
 */
type Row = Record<string, string | number | boolean>;

function withoutNulls(values: Record<string, unknown>): Row {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== undefined)) as Row;
}

function flattenFailure(info: FailureInfo | null): Row {
  return withoutNulls({ failure_category: info?.category, failure_code: info?.code, failure_message: info?.message });
}

function nestFailure(row: Record<string, unknown>): FailureInfo | null {
  if (row.failure_code === undefined) return null;
  return {
    category: row.failure_category as FailureInfo['category'],
    code: row.failure_code as string,
    message: (row.failure_message as string | undefined) ?? null,
  };
}

/** Columns that are null when absent; every other column of a row must be present. */
const TASK_OPTIONAL = ['previous_state', 'previous_state_transition_time', 'exit_code', 'result', 'start_time', 'end_time', 'last_retry_time'] as const;
const JOB_OPTIONAL = ['previous_state', 'termination_reason'] as const;
const HISTORY_OPTIONAL = ['client_request_id', 'exit_code', 'result', 'start_time', 'end_time', 'last_retry_time'] as const;

function withNulls(row: Record<string, unknown>, optional: readonly string[]): Record<string, unknown> {
  return { ...Object.fromEntries(optional.map((name) => [name, null])), ...row };
}

export class CorruptRowError extends Error {
  override readonly name = 'CorruptRowError';
  constructor(rowKey: string, cause: z.ZodError) {
    super(`Row ${rowKey} does not hold a valid record: ${z.prettifyError(cause)}`);
  }
}

function parseRow<T>(schema: z.ZodType<T>, rowKey: string, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CorruptRowError(rowKey, parsed.error);
  return parsed.data;
}

export function toTaskEntity(task: Task, jobStamp: JobState, lastRequestId: string | null): TableEntity<Row> {
  const { failure_info, ...rest } = task;
  return {
    partitionKey: partitionKey(task.job_id),
    rowKey: taskRowKey(task.id),
    ...withoutNulls(rest),
    ...flattenFailure(failure_info),
    job_state: jobStamp,
    ...withoutNulls({ last_request_id: lastRequestId }),
  };
}

export function fromTaskEntity(entity: TableEntityResult<Record<string, unknown>>): TaskSnapshot {
  const row = withNulls(entity, TASK_OPTIONAL);
  const task = parseRow(taskSchema, entity.rowKey ?? '', { ...row, failure_info: nestFailure(entity) });
  return {
    task,
    jobStamp: parseRow(jobStateSchema, entity.rowKey ?? '', entity.job_state ?? 'active'),
    lastRequestId: (entity.last_request_id as string | undefined) ?? null,
    etag: entity.etag,
  };
}

/**
 * The job row. The termination's progress is spread over three columns, all present or all absent,
 * and the sweep's cursor is `sweep_cursor`, the id key of the last task row swept (absent before the
 * first page, and on rows written before sweeps kept one).
 */
export function toJobEntity(job: Job, sweptThrough: string | null = null): TableEntity<Row> {
  const { termination, ...rest } = job;
  return {
    partitionKey: partitionKey(job.id),
    rowKey: JOB_ROW_KEY,
    ...withoutNulls(rest),
    ...withoutNulls({
      termination_started_at: termination?.started_at,
      termination_tasks_swept: termination?.tasks_swept,
      termination_last_progress_at: termination?.last_progress_at,
      sweep_cursor: sweptThrough,
    }),
  };
}

export function toJobRowEntity(row: JobRow): TableEntity<Row> {
  return toJobEntity(row.job, row.sweptThrough);
}

export function fromJobEntity(entity: TableEntityResult<Record<string, unknown>>): JobSnapshot {
  const { termination_started_at, termination_tasks_swept, termination_last_progress_at, sweep_cursor, ...rest } = entity;
  const termination =
    termination_started_at === undefined ? null : { started_at: termination_started_at, tasks_swept: termination_tasks_swept, last_progress_at: termination_last_progress_at };
  const job = parseRow(jobSchema, JOB_ROW_KEY, { ...withNulls(rest, JOB_OPTIONAL), termination });
  return { job, sweptThrough: typeof sweep_cursor === 'string' ? sweep_cursor : null, etag: entity.etag };
}

/**
 * A history row is also the outbox of its `task.reactivated` event: written unpublished in the
 * reactivation's own transaction, born claimed by the committing request (`claimed_by`, its
 * idempotency key), marked published once the event is on the queue.
 */
export function toHistoryEntity(record: HistoryRecord, claimedBy: string): TableEntity<Row> {
  const { failure_info, ...rest } = record;
  return {
    partitionKey: partitionKey(record.job_id),
    rowKey: historyRowKey(record.task_id, record.reactivation_number),
    ...withoutNulls(rest),
    ...flattenFailure(failure_info),
    event_published: false,
    claimed_by: claimedBy,
  };
}

export function fromOutboxEntity(entity: TableEntityResult<Record<string, unknown>>): OutboxRow {
  const record = fromHistoryEntity(entity);
  return {
    ref: { jobId: record.job_id, row: entity.rowKey ?? '', etag: entity.etag },
    record,
    published: entity.event_published === true,
    claimedBy: typeof entity.claimed_by === 'string' ? entity.claimed_by : '',
  };
}

export function toExpiryEntity(jobId: string, day: string, rowKey: string): TableEntity<Row> {
  return { partitionKey: partitionKey(jobId), rowKey: expiryRowKey(day, rowKey) };
}

export function fromHistoryEntity(entity: TableEntityResult<Record<string, unknown>>): HistoryRecord {
  const row = withNulls(entity, HISTORY_OPTIONAL);
  return parseRow(historyRecordSchema, entity.rowKey ?? '', { ...row, failure_info: nestFailure(entity) });
}

import { z } from 'zod';

import { historyRecordSchema, type HistoryRecord } from '../domain/history';
import { jobSchema, type Job } from '../domain/job';
import { taskSchema, type Task } from '../domain/task';

/** The resources as the answers show them: the domain's schemas plus the row's ETag. */
export const taskResourceSchema = taskSchema.extend({ etag: z.string() });
export const jobResourceSchema = jobSchema.extend({ etag: z.string() });
export const historyResourceSchema = z.array(historyRecordSchema);

/** The task as the contract shows it (§4), fields in the contract's order. */
export function taskResource(task: Task, etag: string): Record<string, unknown> {
  return {
    id: task.id,
    job_id: task.job_id,
    state: task.state,
    state_transition_time: task.state_transition_time,
    previous_state: task.previous_state,
    previous_state_transition_time: task.previous_state_transition_time,
    created_at: task.created_at,
    last_modified: task.last_modified,
    etag,
    max_retry_count: task.max_retry_count,
    retry_count: task.retry_count,
    requeue_count: task.requeue_count,
    exit_code: task.exit_code,
    result: task.result,
    failure_info: task.failure_info,
    start_time: task.start_time,
    end_time: task.end_time,
    last_retry_time: task.last_retry_time,
    reactivation_count: task.reactivation_count,
  };
}

export function jobResource(job: Job, etag: string): Record<string, unknown> {
  return {
    id: job.id,
    state: job.state,
    state_transition_time: job.state_transition_time,
    previous_state: job.previous_state,
    created_at: job.created_at,
    last_modified: job.last_modified,
    etag,
    termination_reason: job.termination_reason,
    termination: job.termination,
  };
}

export function historyResource(record: HistoryRecord): Record<string, unknown> {
  return { ...record };
}

/** `ETag` and `Last-Modified` for an answer about one resource. */
export function versionHeaders(etag: string, lastModified: string): Record<string, string> {
  return { ETag: etag, 'Last-Modified': new Date(lastModified).toUTCString() };
}

/** The headers `versionHeaders` sets, described for the OpenAPI document. */
export const VERSION_HEADERS: Readonly<Record<string, string>> = {
  ETag: 'The ETag of the resource, to send back in If-Match.',
  'Last-Modified': 'When the resource last changed, as an HTTP date.',
};

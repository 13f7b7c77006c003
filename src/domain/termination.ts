import { conditionHolds, conditionNotMet, type Condition } from './conditions';
import type { Job, JobRow, JobSnapshot } from './job';
import { reject, type Rejection } from './rejections';
import type { JobState } from './states';
import type { Task, TaskSnapshot } from './task';
import { isoTime } from './time';

export const DEFAULT_TERMINATION_REASON = 'UserTerminate';

/**
 * Start a termination (the job row becomes `terminating`, its sweep at the first task), or find one
 * under way. `stalled` says that nothing shows a live sweep (see `sweepStalled`).
 */
export type TerminationPlan =
  | { kind: 'start'; row: JobRow; from: JobSnapshot }
  | { kind: 'underWay'; current: JobSnapshot; stalled: boolean }
  | Rejection;

/** What the caller asked for: the reason the job will carry, and a condition on the job's version. */
export interface TerminationAsk {
  reason: string;
  condition: Condition;
}

/**
 * Checks in the order the reactivation has them: job found, the caller's condition on the job's
 * ETag and last change, then the job's state. A condition is checked on every read of a retried
 * attempt, so a job changed meanwhile (by another termination) fails it as any change would.
 */
export function planTermination(job: JobSnapshot | null, ask: TerminationAsk, now: Date, stalledAfterMs: number): TerminationPlan {
  if (job === null) return reject('JOB_NOT_FOUND', 'The job does not exist.');
  if (!conditionHolds(ask.condition, { etag: job.etag, lastModified: job.job.last_modified })) return conditionNotMet('job');
  switch (job.job.state) {
    case 'completed':
      return reject('JOB_COMPLETED', 'The job is already completed.');
    case 'deleting':
      return reject('JOB_BEING_DELETED', 'The job is being deleted.');
    case 'terminating':
      return { kind: 'underWay', current: job, stalled: sweepStalled(job.job, now, stalledAfterMs) };
    default: {
      const at = isoTime(now);
      const started = { ...transition(job.job, 'terminating', now, ask.reason), termination: { started_at: at, tasks_swept: 0, last_progress_at: at } };
      return { kind: 'start', row: { job: started, sweptThrough: null }, from: job };
    }
  }
}

/**
 * No sign of a live sweep: a terminating job with no progress recorded at all (left so before
 * sweeps were durable, or seeded so), or with none for longer than `stalledAfterMs`. A live sweep
 * moves its progress with every page, and a sweep that lost its worker is picked up by its safety
 * message within that time.
 */
export function sweepStalled(job: Job, now: Date, stalledAfterMs: number): boolean {
  const progress = job.termination;
  return progress === null || now.getTime() - Date.parse(progress.last_progress_at) > stalledAfterMs;
}

/** One page of a termination sweep, once every row of it is written: how many rows, the last one's key, and whether it was the last page. */
export interface SweptPage {
  rows: number;
  lastKey: string | null;
  last: boolean;
}

/**
 * The job row once a page is swept: the cursor past the page and its rows counted, or, after the
 * last page, the job completed with its reason. Written with If-Match on the row the page was
 * started from, so of two sweepers of one page only one moves the cursor (and counts the page).
 */
export function afterPage(row: JobRow, page: SweptPage, now: Date): JobRow {
  const at = isoTime(now);
  const progress = row.job.termination ?? { started_at: row.job.state_transition_time, tasks_swept: 0, last_progress_at: at };
  const termination = { ...progress, tasks_swept: progress.tasks_swept + page.rows, last_progress_at: at };
  const job = page.last ? transition(row.job, 'completed', now, row.job.termination_reason ?? DEFAULT_TERMINATION_REASON) : { ...row.job, last_modified: at };
  return { job: { ...job, termination }, sweptThrough: page.lastKey ?? row.sweptThrough };
}

function transition(job: Job, state: JobState, now: Date, reason: string): Job {
  const at = isoTime(now);
  return { ...job, state, previous_state: job.state, state_transition_time: at, last_modified: at, termination_reason: reason };
}

/** The stamp the sweep leaves on every task row of a terminating job. */
export const TERMINATION_STAMP: JobState = 'terminating';

/**
 * What the termination sweep writes on one task row: the stamp, and, for a task not yet completed,
 * its end. `null` when the row already carries both, so an interrupted sweep resumes cheaply.
 * A completed task is stamped too, even though it does not change: that write is what makes a
 * reactivation which read the row before it lose its `If-Match`.
 */
export function sweptTask(snapshot: TaskSnapshot, now: Date): Task | null {
  const { task } = snapshot;
  if (task.state === 'completed') return snapshot.jobStamp === TERMINATION_STAMP ? null : task;
  const at = isoTime(now);
  return {
    ...task,
    state: 'completed',
    previous_state: task.state,
    previous_state_transition_time: task.state_transition_time,
    state_transition_time: at,
    last_modified: at,
    end_time: at,
    exit_code: null,
    result: 'failure',
    failure_info: { category: 'usererror', code: 'TaskEnded', message: 'The task was ended by the termination of its job.' },
  };
}

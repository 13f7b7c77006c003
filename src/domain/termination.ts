import { conditionHolds, conditionNotMet, type Condition } from './conditions';
import type { Job, JobSnapshot } from './job';
import { reject, type Rejection } from './rejections';
import type { JobState } from './states';
import type { Task, TaskSnapshot } from './task';
import { isoTime } from './time';

export const DEFAULT_TERMINATION_REASON = 'UserTerminate';

/** Start a termination (the job row becomes `terminating`), or finish one that was interrupted. */
export type TerminationPlan = { kind: 'start'; job: Job; from: JobSnapshot } | { kind: 'resume'; current: JobSnapshot } | Rejection;

/**
 * Checks in the order the reactivation has them: job found, the caller's condition on the job's
 * ETag and last change, then the job's state. A condition is checked on every read of a retried
 * attempt, so a job changed meanwhile (by another termination) fails it as any change would.
 */
export function planTermination(job: JobSnapshot | null, reason: string, now: Date, condition: Condition): TerminationPlan {
  if (job === null) return reject('JOB_NOT_FOUND', 'The job does not exist.');
  if (!conditionHolds(condition, { etag: job.etag, lastModified: job.job.last_modified })) return conditionNotMet('job');
  switch (job.job.state) {
    case 'completed':
      return reject('JOB_COMPLETED', 'The job is already completed.');
    case 'deleting':
      return reject('JOB_BEING_DELETED', 'The job is being deleted.');
    case 'terminating':
      return { kind: 'resume', current: job };
    default:
      return { kind: 'start', job: transition(job.job, 'terminating', now, reason), from: job };
  }
}

export function completedJob(job: Job, now: Date): Job {
  return transition(job, 'completed', now, job.termination_reason ?? DEFAULT_TERMINATION_REASON);
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

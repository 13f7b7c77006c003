import { conditionHolds, conditionNotMet, type Condition } from './conditions';
import type { HistoryRecord, Trigger } from './history';
import type { JobSnapshot } from './job';
import { reject, type Rejection } from './rejections';
import { furthestJobState, type JobState } from './states';
import type { Task, TaskSnapshot } from './task';
import { isoTime } from './time';

export interface ReactivationRequest {
  condition: Condition;
  /** The request's idempotency key: the caller's client-request-id, or a fresh id. */
  idempotencyKey: string;
  requestId: string;
  clientRequestId: string | null;
  trigger: Trigger;
  /** The id the `task.reactivated` event of this reactivation will carry. */
  eventId: string;
  now: Date;
}

/** What a reactivation does to the task and what it records about the attempt it resets. */
export interface ReactivationChange {
  kind: 'change';
  /** The read the change was decided on; its ETag guards the commit. */
  from: TaskSnapshot;
  task: Task;
  history: HistoryRecord;
}

/** This very request already reactivated the task (a repeated call, or a response that was lost). */
export interface ReactivationReplay {
  kind: 'replay';
  current: TaskSnapshot;
}

export type ReactivationPlan = ReactivationChange | ReactivationReplay | Rejection;

const JOB_REFUSALS: Partial<Record<JobState, Rejection>> = {
  completed: reject('JOB_COMPLETED', 'The job is completed; its tasks can no longer be reactivated.'),
  terminating: reject('JOB_BEING_TERMINATED', 'The job is being terminated; its tasks can no longer be reactivated.'),
  deleting: reject('JOB_BEING_DELETED', 'The job is being deleted; its tasks can no longer be reactivated.'),
};

/** The refusal a job in this state gives to any reactivation of its tasks, or null when it allows them. */
export function jobStateRefusal(state: JobState): Rejection | null {
  return JOB_REFUSALS[state] ?? null;
}

/**
 * Decides a reactivation from what was read, in the contract's order of checks: job found, task
 * found, this request already applied, precondition, job state, task state. The job state that
 * decides is the furthest of the job row's and the task row's stamp: a termination stamps every task
 * row, so a reactivation that commits with `If-Match` on its task row can never slip past one.
 */
export function planReactivation(
  job: JobSnapshot | null,
  snapshot: TaskSnapshot | null,
  request: ReactivationRequest,
): ReactivationPlan {
  if (job === null) return reject('JOB_NOT_FOUND', 'The job does not exist.');
  if (snapshot === null) return reject('TASK_NOT_FOUND', 'The task does not exist in this job.');
  const { task } = snapshot;
  if (snapshot.lastRequestId === request.idempotencyKey) return { kind: 'replay', current: snapshot };
  if (!conditionHolds(request.condition, { etag: snapshot.etag, lastModified: task.last_modified })) {
    return conditionNotMet('task');
  }
  const jobRefusal = jobStateRefusal(furthestJobState(job.job.state, snapshot.jobStamp));
  if (jobRefusal !== null) return jobRefusal;
  if (task.state !== 'completed') {
    return reject('TASK_NOT_COMPLETED', `The task is ${task.state}; only a completed task can be reactivated.`);
  }
  if (task.result === 'success') {
    return reject('TASK_SUCCEEDED', 'The task completed successfully; only a failed task can be reactivated.');
  }
  return { kind: 'change', from: snapshot, task: reactivated(task, request.now), history: historyOf(task, request) };
}

function reactivated(task: Task, now: Date): Task {
  const at = isoTime(now);
  return {
    ...task,
    state: 'active',
    previous_state: task.state,
    previous_state_transition_time: task.state_transition_time,
    state_transition_time: at,
    last_modified: at,
    retry_count: 0,
    exit_code: null,
    result: null,
    failure_info: null,
    start_time: null,
    end_time: null,
    last_retry_time: null,
    reactivation_count: task.reactivation_count + 1,
  };
}

function historyOf(task: Task, request: ReactivationRequest): HistoryRecord {
  return {
    job_id: task.job_id,
    task_id: task.id,
    reactivated_at: isoTime(request.now),
    reactivation_number: task.reactivation_count + 1,
    event_id: request.eventId,
    request_id: request.requestId,
    client_request_id: request.clientRequestId,
    trigger: request.trigger,
    completed_at: task.state_transition_time,
    exit_code: task.exit_code,
    result: task.result,
    failure_info: task.failure_info,
    retry_count: task.retry_count,
    max_retry_count: task.max_retry_count,
    start_time: task.start_time,
    end_time: task.end_time,
    last_retry_time: task.last_retry_time,
  };
}

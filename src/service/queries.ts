import { decideRead, type Condition, type Versioned } from '../domain/conditions';
import type { HistoryRecord } from '../domain/history';
import type { JobSnapshot } from '../domain/job';
import { reject, type Rejection } from '../domain/rejections';
import type { TaskSnapshot } from '../domain/task';
import type { Deadline } from './deadline';
import type { Fault } from './outcomes';
import { retryUntilSettled, settled, type RetryStats } from './retryLoop';
import type { TaskStore } from './taskStore';

export interface QueryDeps {
  store: TaskStore;
}

export interface JobFound {
  kind: 'job';
  job: JobSnapshot;
}

export interface TaskFound {
  kind: 'task';
  task: TaskSnapshot;
}

export interface HistoryFound {
  kind: 'history';
  records: HistoryRecord[];
}

/** The caller's copy is current (an unmet If-None-Match or If-Modified-Since): its version, no body. */
export interface NotModified {
  kind: 'notModified';
  version: Versioned;
}

export interface JobQuery {
  jobId: string;
  condition: Condition;
  deadline: Deadline;
}

export interface TaskQuery extends JobQuery {
  taskId: string;
}

const NO_JOB = reject('JOB_NOT_FOUND', 'The job does not exist.');
const NO_TASK = reject('TASK_NOT_FOUND', 'The task does not exist in this job.');
const NO_STATS = (): RetryStats => ({ conflicts: 0, faults: 0 });

/** What a found resource answers under the caller's condition: itself, not modified, or the refusal. */
function underCondition<T>(found: T, condition: Condition, version: Versioned, resource: 'job' | 'task'): T | NotModified | Rejection {
  const decision = decideRead(condition, version, resource);
  switch (decision.kind) {
    case 'proceed':
      return found;
    case 'notModified':
      return { kind: 'notModified', version };
    case 'rejection':
      return decision;
  }
}

export async function getJob(deps: QueryDeps, query: JobQuery, stats: RetryStats = NO_STATS()): Promise<JobFound | NotModified | Rejection | Fault> {
  return retryUntilSettled(query.deadline, stats, async () => {
    const job = await deps.store.readJob(query.jobId, query.deadline.signal);
    if (job === null) return settled(NO_JOB);
    return settled(underCondition({ kind: 'job' as const, job }, query.condition, { etag: job.etag, lastModified: job.job.last_modified }, 'job'));
  });
}

export async function getTask(deps: QueryDeps, query: TaskQuery, stats: RetryStats = NO_STATS()): Promise<TaskFound | NotModified | Rejection | Fault> {
  const found = await findTask(deps, query, stats);
  if (found.kind !== 'task') return found;
  return underCondition(found, query.condition, { etag: found.task.etag, lastModified: found.task.task.last_modified }, 'task');
}

/** The job is read too: a task of a job that does not exist is answered JOB_NOT_FOUND, as Batch does. */
function findTask(deps: QueryDeps, query: Omit<TaskQuery, 'condition'>, stats: RetryStats): Promise<TaskFound | Rejection | Fault> {
  const { signal } = query.deadline;
  return retryUntilSettled(query.deadline, stats, async () => {
    const [job, task] = await Promise.all([deps.store.readJob(query.jobId, signal), deps.store.readTask(query.jobId, query.taskId, signal)]);
    if (job === null) return settled(NO_JOB);
    return settled(task === null ? NO_TASK : { kind: 'task' as const, task });
  });
}

/** Newest first. A task that exists but was never reactivated has an empty history. */
export async function getTaskHistory(
  deps: QueryDeps,
  jobId: string,
  taskId: string,
  deadline: Deadline,
  stats: RetryStats = NO_STATS(),
): Promise<HistoryFound | Rejection | Fault> {
  const found = await findTask(deps, { jobId, taskId, deadline }, stats);
  if (found.kind !== 'task') return found;
  return retryUntilSettled(deadline, stats, async () => settled({ kind: 'history' as const, records: await deps.store.listHistory(jobId, taskId, deadline.signal) }));
}

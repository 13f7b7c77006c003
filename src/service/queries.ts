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

const NO_JOB = reject('JOB_NOT_FOUND', 'The job does not exist.');
const NO_TASK = reject('TASK_NOT_FOUND', 'The task does not exist in this job.');

export async function getJob(deps: QueryDeps, jobId: string, deadline: Deadline, stats: RetryStats = { conflicts: 0, faults: 0 }): Promise<JobFound | Rejection | Fault> {
  return retryUntilSettled(deadline, stats, async () => {
    const job = await deps.store.readJob(jobId, deadline.signal);
    return settled(job === null ? NO_JOB : { kind: 'job' as const, job });
  });
}

export async function getTask(deps: QueryDeps, jobId: string, taskId: string, deadline: Deadline, stats: RetryStats = { conflicts: 0, faults: 0 }): Promise<TaskFound | Rejection | Fault> {
  return retryUntilSettled(deadline, stats, async () => {
    const [job, task] = await Promise.all([deps.store.readJob(jobId, deadline.signal), deps.store.readTask(jobId, taskId, deadline.signal)]);
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
  stats: RetryStats = { conflicts: 0, faults: 0 },
): Promise<HistoryFound | Rejection | Fault> {
  const found = await getTask(deps, jobId, taskId, deadline, stats);
  if (found.kind !== 'task') return found;
  return retryUntilSettled(deadline, stats, async () => settled({ kind: 'history' as const, records: await deps.store.listHistory(jobId, taskId, deadline.signal) }));
}

import type { HistoryRecord } from '../domain/history';
import type { JobSnapshot } from '../domain/job';
import { reject, type Rejection } from '../domain/rejections';
import type { TaskSnapshot } from '../domain/task';
import type { TaskTable } from '../storage/taskTable';
import type { Deadline } from './deadline';
import type { Fault } from './outcomes';
import { retryUntilSettled, settled, type RetryStats } from './retryLoop';

export interface QueryDeps {
  table: TaskTable;
}


export async function getJob(deps: QueryDeps, jobId: string, deadline: Deadline, stats: RetryStats = { conflicts: 0, faults: 0 }): Promise<JobSnapshot | Rejection | Fault> {
  return retryUntilSettled(deadline, stats, async () => {
    const job = await deps.table.readJob(jobId, deadline.signal);
    return settled(job ?? reject('JOB_NOT_FOUND', 'The job does not exist.'));
  });
}

export async function getTask(
  deps: QueryDeps,
  jobId: string,
  taskId: string,
  deadline: Deadline,
  stats: RetryStats = { conflicts: 0, faults: 0 },
): Promise<TaskSnapshot | Rejection | Fault> {
  return retryUntilSettled(deadline, stats, async () => {
    const { job, task } = await deps.table.readJobAndTask(jobId, taskId, deadline.signal);
    if (job === null) return settled(reject('JOB_NOT_FOUND', 'The job does not exist.'));
    return settled(task ?? reject('TASK_NOT_FOUND', 'The task does not exist in this job.'));
  });
}

/** Newest first. A task that exists but was never reactivated has an empty history. */
export async function getTaskHistory(
  deps: QueryDeps,
  jobId: string,
  taskId: string,
  deadline: Deadline,
  stats: RetryStats = { conflicts: 0, faults: 0 },
): Promise<HistoryRecord[] | Rejection | Fault> {
  const found = await getTask(deps, jobId, taskId, deadline, stats);
  if ('kind' in found) return found;
  return retryUntilSettled(deadline, stats, async () => settled(await deps.table.listHistory(jobId, taskId, deadline.signal)));
}

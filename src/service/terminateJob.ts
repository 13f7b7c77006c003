import type { Job, JobSnapshot } from '../domain/job';
import type { Rejection } from '../domain/rejections';
import { reject } from '../domain/rejections';
import { completedJob, DEFAULT_TERMINATION_REASON, planTermination } from '../domain/termination';
import type { TaskTable } from '../storage/taskTable';
import type { Deadline } from './deadline';
import type { Fault } from './outcomes';
import { CONFLICT, isFault, retryUntilSettled, settled, type RetryStats } from './retryLoop';
import { sweepTasks, type SweepHooks } from './sweepTasks';

export interface TerminateJobCommand {
  jobId: string;
  reason: string | null;
  deadline: Deadline;
}

export interface Terminated {
  kind: 'terminated';
  job: Job;
  etag: string;
}

export type TerminateJobOutcome = Terminated | Rejection | Fault;

export interface TerminateJobDeps {
  table: TaskTable;
  now?: () => Date;
  hooks?: SweepHooks;
}

/**
 * Terminates a job in three steps, each conditional on an ETag: the job row becomes `terminating`,
 * the sweep stamps and ends its tasks, the job row becomes `completed`. A termination interrupted
 * by its deadline leaves the job `terminating` (reactivations are refused meanwhile); calling it
 * again finishes the work.
 */
export async function terminateJob(
  deps: TerminateJobDeps,
  command: TerminateJobCommand,
  stats: RetryStats = { conflicts: 0, faults: 0 },
): Promise<TerminateJobOutcome> {
  const now = deps.now ?? (() => new Date());
  const { deadline } = command;
  const reason = command.reason ?? DEFAULT_TERMINATION_REASON;

  // A job this call saw unfinished and then finds completed was completed by a concurrent
  // termination: the work this call asked for is done, so it answers the completed job rather than
  // JOB_COMPLETED, whichever of two simultaneous callers happened to lose the first If-Match.
  let sawUnfinished = false;
  const started = await retryUntilSettled<JobSnapshot | Rejection>(deadline, stats, async () => {
    const job = await deps.table.readJob(command.jobId, deadline.signal);
    if (sawUnfinished && job?.job.state === 'completed') return settled(job);
    sawUnfinished ||= job !== null && job.job.state !== 'completed';
    const plan = planTermination(job, reason, now());
    if (plan.kind !== 'start') return settled(plan.kind === 'resume' ? plan.current : plan);
    const write = await deps.table.writeJob(plan.job, plan.from.etag, deadline.signal);
    return write.committed ? settled({ job: plan.job, etag: write.etag }) : CONFLICT;
  });
  if (isFault(started) || 'kind' in started) return started;
  if (started.job.state === 'completed') return { kind: 'terminated', ...started };

  const sweepFault = await sweepTasks({ table: deps.table, now, hooks: deps.hooks }, command.jobId, deadline, stats);
  if (sweepFault !== null) return sweepFault;

  let seen: JobSnapshot | null = started;
  return retryUntilSettled<TerminateJobOutcome>(deadline, stats, async () => {
    if (seen === null) return settled(reject('JOB_NOT_FOUND', 'The job does not exist.'));
    if (seen.job.state === 'completed') return settled<Terminated>({ kind: 'terminated', ...seen });
    if (seen.job.state !== 'terminating') return settled(reject('JOB_BEING_DELETED', 'The job is being deleted.'));
    const job = completedJob(seen.job, now());
    const write = await deps.table.writeJob(job, seen.etag, deadline.signal);
    if (write.committed) return settled<Terminated>({ kind: 'terminated', job, etag: write.etag });
    seen = await deps.table.readJob(command.jobId, deadline.signal);
    return CONFLICT;
  });
}

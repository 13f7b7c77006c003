import { NO_CONDITION, type Condition } from '../domain/conditions';
import type { Job, JobSnapshot } from '../domain/job';
import { reject, type Rejection } from '../domain/rejections';
import { completedJob, DEFAULT_TERMINATION_REASON, planTermination } from '../domain/termination';
import type { Clock } from './clock';
import type { Deadline } from './deadline';
import type { Fault } from './outcomes';
import { CONFLICT, retryUntilSettled, settled, type RetryStats } from './retryLoop';
import { sweepTasks } from './sweepTasks';
import type { TaskStore } from './taskStore';

export interface TerminateJobCommand {
  jobId: string;
  reason: string | null;
  /** The caller's conditional headers, checked against the job row; none when absent. */
  condition?: Condition;
  deadline: Deadline;
}

export interface Terminated {
  kind: 'terminated';
  job: Job;
  etag: string;
}

export type TerminateJobOutcome = Terminated | Rejection | Fault;

export interface TerminateJobDeps {
  store: TaskStore;
  clock: Clock;
}

/**
 * Terminates a job in three steps, each conditional on a version: the job row becomes
 * `terminating`, the sweep stamps and ends its tasks, the job row becomes `completed`. A termination
 * interrupted by its deadline leaves the job `terminating` (reactivations are refused meanwhile);
 * calling it again finishes the work.
 */
export async function terminateJob(deps: TerminateJobDeps, command: TerminateJobCommand, stats: RetryStats = { conflicts: 0, faults: 0 }): Promise<TerminateJobOutcome> {
  const { store, clock } = deps;
  const { deadline } = command;
  const reason = command.reason ?? DEFAULT_TERMINATION_REASON;

  // A job this call saw unfinished and then finds completed was completed by a concurrent
  // termination: the work this call asked for is done, so it answers the completed job rather than
  // JOB_COMPLETED, whichever of two simultaneous callers happened to lose the first race.
  let sawUnfinished = false;
  const started = await retryUntilSettled<Terminated | Rejection>(deadline, stats, async () => {
    const job = await store.readJob(command.jobId, deadline.signal);
    if (sawUnfinished && job?.job.state === 'completed') return settled(terminated(job));
    sawUnfinished ||= job !== null && job.job.state !== 'completed';
    const plan = planTermination(job, reason, clock(), command.condition ?? NO_CONDITION);
    if (plan.kind === 'rejection') return settled(plan);
    if (plan.kind === 'resume') return settled(terminated(plan.current));
    const write = await store.writeJob(plan.job, plan.from.etag, deadline.signal);
    return write.kind === 'written' ? settled(terminated({ job: plan.job, etag: write.etag })) : CONFLICT;
  });
  if (started.kind !== 'terminated' || started.job.state === 'completed') return started;

  const sweepFault = await sweepTasks(deps, command.jobId, deadline, stats);
  if (sweepFault !== null) return sweepFault;

  let seen: JobSnapshot | null = started;
  return retryUntilSettled<TerminateJobOutcome>(deadline, stats, async () => {
    if (seen === null) return settled(reject('JOB_NOT_FOUND', 'The job does not exist.'));
    if (seen.job.state === 'completed') return settled(terminated(seen));
    if (seen.job.state !== 'terminating') return settled(reject('JOB_BEING_DELETED', 'The job is being deleted.'));
    const job = completedJob(seen.job, clock());
    const write = await store.writeJob(job, seen.etag, deadline.signal);
    if (write.kind === 'written') return settled(terminated({ job, etag: write.etag }));
    seen = await store.readJob(command.jobId, deadline.signal);
    return CONFLICT;
  });
}

function terminated(snapshot: JobSnapshot): Terminated {
  return { kind: 'terminated', job: snapshot.job, etag: snapshot.etag };
}

import { NO_CONDITION, type Condition } from '../domain/conditions';
import type { Job, JobSnapshot } from '../domain/job';
import { reject, type Rejection } from '../domain/rejections';
import { DEFAULT_TERMINATION_REASON, planTermination } from '../domain/termination';
import { isoTime } from '../domain/time';
import { sweepMessage } from '../queue/sweepMessage';
import type { Deadline } from './deadline';
import type { Fault } from './outcomes';
import type { HeldMessage } from './queue';
import { CONFLICT, faultOf, retryUntilSettled, settled, type RetryStats } from './retryLoop';
import { sweepPages, type SweepDeps } from './sweepJob';

export interface TerminateJobCommand {
  jobId: string;
  reason: string | null;
  /** The caller's conditional headers, checked against the job row; none when absent. */
  condition?: Condition;
  deadline: Deadline;
}

/** The termination finished: the job is completed. */
export interface Terminated {
  kind: 'terminated';
  job: Job;
  etag: string;
}

/** The job is terminating and its sweep goes on without the caller: the job as it stands. */
export interface TerminationUnderWay {
  kind: 'terminationUnderWay';
  job: Job;
  etag: string;
}

export type TerminateJobOutcome = Terminated | TerminationUnderWay | Rejection | Fault;

export type TerminateJobDeps = SweepDeps;

/** Time kept back at the end of the call's budget to show or withdraw the safety message, and answer. */
const MAX_RESERVE_MS = 1_000;

/**
 * Terminates a job: the job row becomes `terminating`, a sweep stamps and ends its tasks page by
 * page, and the job row becomes `completed`. The call sweeps as long as its deadline allows and
 * answers the completed job; a job too large for that goes on by itself, driven by sweep messages,
 * and the call answers it as it stands. Before the job row is written a safety message is sent,
 * hidden for longer than this call can live: whatever becomes of the call after its write, the
 * message starts the sweep. The call withdraws it once the job is completed, or shows it at once
 * when the sweep must go on without it.
 */
export async function terminateJob(deps: TerminateJobDeps, command: TerminateJobCommand, stats: RetryStats = { conflicts: 0, faults: 0 }): Promise<TerminateJobOutcome> {
  const { store, sweeps } = deps;
  const { deadline } = command;
  const reason = command.reason ?? DEFAULT_TERMINATION_REASON;
  // One start time for every attempt, so that a write of this call whose answer was lost is
  // recognised on the re-read (nothing else writes a termination with this start).
  const now = deps.clock();
  let safety: HeldMessage | null = null;
  let wrote = false;
  // A job this call saw unfinished and then finds completed was completed by a concurrent
  // termination: the work this call asked for is done, so it answers the completed job rather than
  // JOB_COMPLETED, whichever of two simultaneous callers happened to lose the first race.
  let sawUnfinished = false;
  const begun = await retryUntilSettled<{ kind: 'started'; job: JobSnapshot } | { kind: 'underWay'; job: JobSnapshot; stalled: boolean } | Terminated | Rejection>(
    deadline,
    stats,
    async () => {
      const job = await store.readJob(command.jobId, deadline.signal);
      // Before the caller's condition, which this call's own write has just made false.
      if (wrote && job?.job.state === 'terminating' && job.job.termination?.started_at === isoTime(now)) return settled({ kind: 'started' as const, job });
      if (sawUnfinished && job?.job.state === 'completed') return settled(terminated(job));
      sawUnfinished ||= job !== null && job.job.state !== 'completed';
      const plan = planTermination(job, { reason, condition: command.condition ?? NO_CONDITION }, now, deps.sweep.safetyDelaySeconds * 1000);
      if (plan.kind === 'rejection') return settled(plan);
      if (plan.kind === 'underWay') return settled({ kind: 'underWay' as const, job: plan.current, stalled: plan.stalled });
      safety ??= await sweeps.sendLater(sweepMessage(command.jobId), deps.sweep.safetyDelaySeconds, deadline.signal);
      wrote = true;
      const write = await store.writeJob(plan.row, plan.from.etag, deadline.signal);
      return write.kind === 'written' ? settled({ kind: 'started' as const, job: { ...plan.row, etag: write.etag } }) : CONFLICT;
    },
  );
  // A write whose outcome stayed unknown keeps the safety message hidden: shown now, a sweeper could
  // read the job row before that write lands, find the job active and drop the message.
  if (begun.kind === 'fault') return begun;
  const held = safety as HeldMessage | null;
  if (begun.kind !== 'started') {
    // This call's writes, if any, lost to another termination (or found the job ended): its own
    // safety message is not needed, and a second sweep is not started beside a live one.
    if (held !== null) await faultOf(() => sweeps.withdraw(held, deadline.signal));
    if (begun.kind !== 'underWay') return begun;
    if (begun.stalled) {
      // Nothing shows a live sweep (a job left terminating before sweeps were durable): one message
      // starts it again, from the cursor on the job row.
      const fault = await faultOf(() => sweeps.send(sweepMessage(command.jobId), deadline.signal));
      if (fault !== null) return fault;
    }
    return underWay(begun.job);
  }

  const inline = deadline.shortenedBy(Math.min(MAX_RESERVE_MS, deadline.remainingMs() / 4));
  const run = await sweepPages(deps, begun.job, inline, stats, (slowestMs) => inline.remainingMs() > slowestMs);
  switch (run.kind) {
    case 'completed':
      // A withdrawal that fails leaves one harmless extra run, which finds the job completed.
      if (held !== null) await faultOf(() => sweeps.withdraw(held, deadline.signal));
      return terminated(run.job);
    case 'notTerminating':
      if (held !== null) await faultOf(() => sweeps.withdraw(held, deadline.signal));
      return run.job === null ? reject('JOB_NOT_FOUND', 'The job does not exist.') : reject('JOB_BEING_DELETED', 'The job is being deleted.');
    case 'paused':
    case 'faulted':
      if (held !== null) await handOver(deps, command.jobId, held, deadline);
      return underWay(run.job);
  }
}

/**
 * The sweep goes on without this call: its safety message is shown now, rather than after its
 * delay. Should that fail, a fresh message is sent instead; should both fail, the safety message
 * still shows itself when its delay ends.
 */
async function handOver(deps: TerminateJobDeps, jobId: string, safety: HeldMessage, deadline: Deadline): Promise<void> {
  if ((await faultOf(() => deps.sweeps.showNow(safety, deadline.signal))) === null) return;
  await faultOf(() => deps.sweeps.send(sweepMessage(jobId), deadline.signal));
}

function terminated(snapshot: JobSnapshot): Terminated {
  return { kind: 'terminated', job: snapshot.job, etag: snapshot.etag };
}

function underWay(snapshot: JobSnapshot): TerminationUnderWay {
  return { kind: 'terminationUnderWay', job: snapshot.job, etag: snapshot.etag };
}

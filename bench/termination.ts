import { randomUUID } from 'node:crypto';

import { Deadline } from '../src/service/deadline';
import { reactivateTask, type ReactivateTaskOutcome } from '../src/service/reactivateTask';
import { terminateJob } from '../src/service/terminateJob';
import { countStorageRequests } from '../src/storage/requestMeter';
import { workSweepsToTheEnd } from './scale';
import { percentile, pool, round, timed } from './stats';
import { activeTask, failedTask, job, type World } from './world';

export interface TerminationResult {
  tasks: number;
  /** 200 when the call finished the job itself, 202 when it ran out of time and the sweep queue did the rest. */
  answered: 200 | 202;
  terminateMs: number;
  /** From the call to the job `completed`: the call's own time when it answered 200. */
  completedMs: number;
  /** The call's, and the sweep deliveries' when there were any. */
  terminateRequests: number;
  deliveries: number;
  racingReactivations: number;
  racingP50Ms: number;
  racingP99Ms: number;
  quietP99Ms: number;
  racingP99OverQuiet: number;
  activeTasksLeft: number;
  /** Reactivations, quiet or racing, that ran out their deadline on a storage request that never answered. */
  stalled: number;
}

async function reactivations(world: World, jobId: string, taskIds: string[], latencies: number[], until: () => boolean): Promise<ReactivateTaskOutcome[]> {
  const outcomes: ReactivateTaskOutcome[] = [];
  await pool(taskIds, 16, async (taskId) => {
    if (until()) return;
    const { ms, result } = await timed(() =>
      reactivateTask(world.deps, { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(30) }),
    );
    // A call that ran out its deadline on a storage request that never answered is left out of the
    // latencies (and counted): one such stall would be the whole p99.
    if (!(result.kind === 'fault' && result.code === 'OPERATION_TIMED_OUT')) latencies.push(ms);
    outcomes.push(result);
  });
  return outcomes;
}

/** A job of `tasks` tasks, half active and half failed; the failed ones are reactivated while it terminates. */
export async function measureTermination(world: World, tasks: number): Promise<TerminationResult> {
  const load = async (jobId: string) => {
    const rows = Array.from({ length: tasks }, (_, i) => (i % 2 === 0 ? activeTask(jobId, `t${i}`) : failedTask(jobId, `t${i}`)));
    await world.table.loadJob(job(jobId), rows);
    return rows.filter((task) => task.state === 'completed').map((task) => task.id);
  };
  // The same reactivations without a termination, as the baseline for their latency.
  const quietFailed = await load('quiet');
  const quiet: number[] = [];
  const quietOutcomes = await reactivations(world, 'quiet', quietFailed.slice(0, 500), quiet, () => false);

  const failed = await load('terminated');
  let done = false;
  const racing: number[] = [];
  const race = reactivations(world, 'terminated', failed, racing, () => done);
  const started = performance.now();
  const { count, result } = countStorageRequests(() => terminateJob(world.deps, { jobId: 'terminated', reason: null, deadline: Deadline.ofSeconds(30) }));
  const { ms, result: outcome } = await timed(() => result);
  // A machine busy enough makes the call run out of its 30 s: the sweep queue then finishes the job,
  // as it would in Azure, and the figures say so.
  if (outcome.kind !== 'terminated' && outcome.kind !== 'terminationUnderWay') throw new Error(`bench: termination ended ${outcome.kind}`);
  const sweeps = outcome.kind === 'terminated' ? { deliveries: 0, appRequests: 0 } : await workSweepsToTheEnd(world);
  const completedMs = performance.now() - started;
  done = true;
  const racingOutcomes = await race;
  const stalled = [...quietOutcomes, ...racingOutcomes].filter((o) => o.kind === 'fault' && o.code === 'OPERATION_TIMED_OUT').length;
  const left = (await world.table.listTasks('terminated')).filter((t) => t.task.state !== 'completed').length;
  return {
    tasks,
    answered: outcome.kind === 'terminated' ? 200 : 202,
    terminateMs: round(ms, 0),
    completedMs: round(completedMs, 0),
    terminateRequests: count.requests + sweeps.appRequests,
    deliveries: sweeps.deliveries,
    racingReactivations: racing.length,
    racingP50Ms: round(percentile(racing, 50)),
    racingP99Ms: round(percentile(racing, 99)),
    quietP99Ms: round(percentile(quiet, 99)),
    racingP99OverQuiet: round(percentile(racing, 99) / percentile(quiet, 99)),
    activeTasksLeft: left,
    stalled,
  };
}

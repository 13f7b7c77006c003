import { randomUUID } from 'node:crypto';

import { Deadline } from '../src/service/deadline';
import { reactivateTask, type ReactivateTaskOutcome } from '../src/service/reactivateTask';
import { terminateJob } from '../src/service/terminateJob';
import { countStorageRequests } from '../src/storage/requestMeter';
import { percentile, pool, round, timed } from './stats';
import { activeTask, failedTask, job, type World } from './world';

export interface TerminationResult {
  tasks: number;
  terminateMs: number;
  terminateRequests: number;
  racingReactivations: number;
  racingP50Ms: number;
  racingP99Ms: number;
  quietP99Ms: number;
  racingP99OverQuiet: number;
  activeTasksLeft: number;
}

async function reactivations(world: World, jobId: string, taskIds: string[], latencies: number[], until: () => boolean): Promise<ReactivateTaskOutcome[]> {
  const outcomes: ReactivateTaskOutcome[] = [];
  await pool(taskIds, 16, async (taskId) => {
    if (until()) return;
    const { ms, result } = await timed(() =>
      reactivateTask(world.deps, { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(30) }),
    );
    latencies.push(ms);
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
  await reactivations(world, 'quiet', quietFailed.slice(0, 500), quiet, () => false);

  const failed = await load('terminated');
  let done = false;
  const racing: number[] = [];
  const race = reactivations(world, 'terminated', failed, racing, () => done);
  const { count, result } = countStorageRequests(() => terminateJob(world.deps, { jobId: 'terminated', reason: null, deadline: Deadline.ofSeconds(30) }));
  const { ms, result: outcome } = await timed(() => result);
  done = true;
  await race;
  if (outcome.kind !== 'terminated') throw new Error(`bench: termination ended ${outcome.kind}`);
  const left = (await world.table.listTasks('terminated')).filter((t) => t.task.state !== 'completed').length;
  return {
    tasks,
    terminateMs: round(ms, 0),
    terminateRequests: count.requests,
    racingReactivations: racing.length,
    racingP50Ms: round(percentile(racing, 50)),
    racingP99Ms: round(percentile(racing, 99)),
    quietP99Ms: round(percentile(quiet, 99)),
    racingP99OverQuiet: round(percentile(racing, 99) / percentile(quiet, 99)),
    activeTasksLeft: left,
  };
}

import { randomUUID } from 'node:crypto';

import { Deadline } from '../src/service/deadline';
import { reactivateFailedTasks } from '../src/service/reactivateFailedTasks';
import { reactivateTask } from '../src/service/reactivateTask';
import { countStorageRequests } from '../src/storage/requestMeter';
import { pool } from './stats';
import { failedTask, job, type World } from './world';

/** What one bulk reactivation of `tasks` failed tasks cost. */
export interface BulkReactivationFigures {
  tasks: number;
  reactivated: number;
  /** Every HTTP attempt against storage, SDK retries included, the bookkeeping after the answer too. */
  storageRequests: number;
  /** Of which to Table Storage; the rest are queue requests (mostly one event per task). */
  tableRequests: number;
  conflicts: number;
  durationMs: number;
}

/**
 * Loads a fresh job of `tasks` failed tasks (the test suite's builders) into `table`, then
 * reactivates them all in one bulk call (with a client-request-id, so the answer is stored too) and
 * measures it. Loading is not counted. Give it a table of its own (`newWorld`): Azurite slows down
 * as a table grows, so rows left by other measurements would inflate the figures.
 */
export async function benchBulkReactivation({ table, deps }: Pick<World, 'table' | 'deps'>, tasks: number): Promise<BulkReactivationFigures> {
  const jobId = `bench-${randomUUID().slice(0, 8)}`;
  await table.loadJob(job(jobId), Array.from({ length: tasks }, (_, n) => failedTask(jobId, `task-${String(n).padStart(6, '0')}`)));
  const stats = { conflicts: 0, faults: 0 };
  const started = performance.now();
  let durationMs = 0;
  const { count, result } = countStorageRequests(async () => {
    const outcome = await reactivateFailedTasks(
      deps,
      { jobId, body: { max_tasks: 10_000, dry_run: false }, requestId: randomUUID(), clientRequestId: randomUUID(), trigger: 'http', deadline: Deadline.ofSeconds(30) },
      stats,
    );
    durationMs = Math.round(performance.now() - started);
    await deps.outbox.settled();
    return outcome;
  });
  const outcome = await result;
  if (outcome.kind !== 'bulkReactivated') throw new Error(`The bulk reactivation answered ${outcome.kind}: ${outcome.kind === 'invalid' ? JSON.stringify(outcome.issues) : outcome.code}`);
  return { tasks, reactivated: outcome.result.reactivated.length, storageRequests: count.requests, tableRequests: count.table, conflicts: stats.conflicts, durationMs };
}

/** The same work as single calls, 32 at a time, as a client looping over the tasks would do it. */
export async function benchSingleReactivations({ table, deps }: Pick<World, 'table' | 'deps'>, tasks: number): Promise<BulkReactivationFigures> {
  const jobId = `bench-${randomUUID().slice(0, 8)}`;
  const ids = Array.from({ length: tasks }, (_, n) => `task-${String(n).padStart(6, '0')}`);
  await table.loadJob(job(jobId), ids.map((id) => failedTask(jobId, id)));
  const stats = { conflicts: 0, faults: 0 };
  let reactivated = 0;
  const started = performance.now();
  let durationMs = 0;
  const { count, result } = countStorageRequests(async () => {
    await pool(ids, 32, async (taskId) => {
      const outcome = await reactivateTask(
        deps,
        { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(30) },
        stats,
      );
      if (outcome.kind === 'reactivated') reactivated += 1;
    });
    durationMs = Math.round(performance.now() - started);
    await deps.outbox.settled();
  });
  await result;
  return { tasks, reactivated, storageRequests: count.requests, tableRequests: count.table, conflicts: stats.conflicts, durationMs };
}

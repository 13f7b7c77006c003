import { randomUUID } from 'node:crypto';

import type { Job } from '../src/domain/job';
import type { Task } from '../src/domain/task';
import { Deadline } from '../src/service/deadline';
import { reactivateFailedTasks } from '../src/service/reactivateFailedTasks';
import { countStorageRequests } from '../src/storage/requestMeter';
import type { TaskTable } from '../src/storage/taskTable';

/** What one bulk reactivation of `tasks` failed tasks cost. */
export interface BulkReactivationFigures {
  tasks: number;
  reactivated: number;
  /** Every HTTP attempt against storage, SDK retries included. */
  storageRequests: number;
  conflicts: number;
  durationMs: number;
}

const AT = '2025-01-01T00:00:00.000Z';

function failedTask(jobId: string, n: number): Task {
  return {
    id: `task-${String(n).padStart(6, '0')}`,
    job_id: jobId,
    state: 'completed',
    state_transition_time: AT,
    previous_state: 'running',
    previous_state_transition_time: AT,
    created_at: AT,
    last_modified: AT,
    max_retry_count: 2,
    retry_count: 2,
    requeue_count: 0,
    exit_code: 1,
    result: 'failure',
    failure_info: { category: 'usererror', code: 'FailureExitCode', message: 'exit 1' },
    start_time: AT,
    end_time: AT,
    last_retry_time: AT,
    reactivation_count: 0,
  };
}

/**
 * Loads a fresh job of `tasks` failed tasks into `table`, then reactivates them all in one bulk call
 * (with a client-request-id, so the answer is stored too) and measures it. Loading is not counted.
 */
export async function benchBulkReactivation(table: TaskTable, tasks: number): Promise<BulkReactivationFigures> {
  const jobId = `bench-${randomUUID().slice(0, 8)}`;
  const job: Job = { id: jobId, state: 'active', state_transition_time: AT, previous_state: null, created_at: AT, last_modified: AT, termination_reason: null };
  await table.loadJob(job, Array.from({ length: tasks }, (_, n) => failedTask(jobId, n)));
  const stats = { conflicts: 0, faults: 0 };
  const started = performance.now();
  const { count, result } = countStorageRequests(() =>
    reactivateFailedTasks(
      { table },
      { jobId, body: { max_tasks: 10_000, dry_run: false }, requestId: randomUUID(), clientRequestId: randomUUID(), trigger: 'http', deadline: Deadline.ofSeconds(30) },
      stats,
    ),
  );
  const outcome = await result;
  const durationMs = Math.round(performance.now() - started);
  if (outcome.kind !== 'bulkReactivated') throw new Error(`The bulk reactivation answered ${outcome.kind}: ${'code' in outcome ? outcome.code : outcome.message}`);
  return { tasks, reactivated: outcome.result.reactivated.length, storageRequests: count.requests, conflicts: stats.conflicts, durationMs };
}

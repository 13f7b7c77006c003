import { randomUUID } from 'node:crypto';

import type { Condition } from '../domain/conditions';
import type { HistoryRecord, Trigger } from '../domain/history';
import { planReactivation } from '../domain/reactivation';
import type { Rejection } from '../domain/rejections';
import type { Task } from '../domain/task';
import type { TaskTable } from '../storage/taskTable';
import type { Deadline } from './deadline';
import type { Fault } from './outcomes';
import { CONFLICT, retryUntilSettled, settled, type RetryStats } from './retryLoop';

export interface ReactivateTaskCommand {
  jobId: string;
  taskId: string;
  condition: Condition;
  /** A fresh id for this invocation; also the idempotency key when the caller gave none. */
  requestId: string;
  clientRequestId: string | null;
  trigger: Trigger;
  deadline: Deadline;
}

export interface Reactivated {
  kind: 'reactivated';
  task: Task;
  etag: string;
  /** True when this request had already been applied, and the answer repeats its success. */
  replayed: boolean;
  /** The record this commit wrote (its event's outbox); null for a replay, which wrote nothing. */
  history: HistoryRecord | null;
}

export type ReactivateTaskOutcome = Reactivated | Rejection | Fault;

/**
 * Test seams of the race protocol: run between the read and the commit of an attempt, so a test can
 * commit a competing write exactly there instead of hoping timers collide.
 */
export interface ReactivationHooks {
  afterRead?: (attempt: number) => Promise<void>;
}

export interface ReactivateTaskDeps {
  table: TaskTable;
  now?: () => Date;
  hooks?: ReactivationHooks;
}

/**
 * Reactivates a failed task: read the job row and the task row in parallel, decide, then commit the
 * task and its history in one transaction conditional on the task's ETag. Losing the ETag means
 * someone wrote the task meanwhile (another reactivation, or a termination stamping it), so the
 * attempt reads again and decides afresh; the idempotency key on the row recognises our own commit.
 */
export async function reactivateTask(
  deps: ReactivateTaskDeps,
  command: ReactivateTaskCommand,
  stats: RetryStats = { conflicts: 0, faults: 0 },
): Promise<ReactivateTaskOutcome> {
  const now = deps.now ?? (() => new Date());
  const idempotencyKey = command.clientRequestId ?? command.requestId;
  const { signal } = command.deadline;
  let attempt = 0;
  return retryUntilSettled<ReactivateTaskOutcome>(command.deadline, stats, async () => {
    const { job, task } = await deps.table.readJobAndTask(command.jobId, command.taskId, signal);
    await deps.hooks?.afterRead?.(attempt++);
    const plan = planReactivation(job, task, {
      condition: command.condition,
      idempotencyKey,
      requestId: command.requestId,
      clientRequestId: command.clientRequestId,
      trigger: command.trigger,
      eventId: randomUUID(),
      now: now(),
    });
    if (plan.kind === 'rejection') return settled(plan);
    if (plan.kind === 'replay') {
      return settled<Reactivated>({ kind: 'reactivated', task: plan.current.task, etag: plan.current.etag, replayed: true, history: null });
    }
    const write = await deps.table.commitReactivation(plan.from, plan.task, plan.history, idempotencyKey, signal);
    return write.committed
      ? settled<Reactivated>({ kind: 'reactivated', task: plan.task, etag: write.etag, replayed: false, history: plan.history })
      : CONFLICT;
  });
}

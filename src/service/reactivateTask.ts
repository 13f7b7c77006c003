import { randomUUID } from 'node:crypto';

import type { Condition } from '../domain/conditions';
import type { Trigger } from '../domain/history';
import { planReactivation, type ReactivationChange, type ReactivationReplay } from '../domain/reactivation';
import type { Rejection } from '../domain/rejections';
import type { Task } from '../domain/task';
import type { EventDelivery, Outbox } from '../outbox/outbox';
import type { Clock } from './clock';
import type { Deadline } from './deadline';
import { SERVER_BUSY, type Fault } from './outcomes';
import { CONFLICT, retryUntilSettled, settled, type RetryStats } from './retryLoop';
import type { TaskStore } from './taskStore';

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
  /** What became of this reactivation's `task.reactivated` event; null for a replay, which emits none. */
  event: EventDelivery | null;
}

export type ReactivateTaskOutcome = Reactivated | Rejection | Fault;

/** A change that committed, with the task's new ETag. */
type Committed = ReactivationChange & { etag: string };

export interface ReactivateTaskDeps {
  store: TaskStore;
  outbox: Outbox;
  clock: Clock;
}

/**
 * Reactivates a failed task: read the job row and the task row in parallel, decide, then commit the
 * task and its history in one transaction conditional on the task's ETag. Losing the ETag means
 * someone wrote the task meanwhile (another reactivation, or a termination stamping it), so the
 * attempt reads again and decides afresh; the idempotency key on the row recognises our own commit.
 * The reactivation publishes its own event; a refusal of a queued request publishes one too.
 */
export async function reactivateTask(deps: ReactivateTaskDeps, command: ReactivateTaskCommand, stats: RetryStats = { conflicts: 0, faults: 0 }): Promise<ReactivateTaskOutcome> {
  const { store } = deps;
  const idempotencyKey = command.clientRequestId ?? command.requestId;
  const { signal } = command.deadline;
  const outcome = await retryUntilSettled<Committed | ReactivationReplay | Rejection>(command.deadline, stats, async () => {
    const [job, task] = await Promise.all([store.readJob(command.jobId, signal), store.readTask(command.jobId, command.taskId, signal)]);
    const plan = planReactivation(job, task, {
      condition: command.condition,
      idempotencyKey,
      requestId: command.requestId,
      clientRequestId: command.clientRequestId,
      trigger: command.trigger,
      eventId: randomUUID(),
      now: deps.clock(),
    });
    if (plan.kind !== 'change') return settled(plan);
    const commit = await store.commitReactivations([plan], idempotencyKey, signal);
    const etag = commit.kind === 'committed' ? commit.taskEtags[0] : undefined;
    // Committed, but the answer lacks the new ETag: the re-read finds this request's own key on
    // the row (a replay) and so learns the ETag, rather than a committed reactivation failing.
    return etag === undefined ? CONFLICT : settled({ ...plan, etag });
  });
  switch (outcome.kind) {
    case 'fault':
      return outcome;
    case 'replay':
      return { kind: 'reactivated', task: outcome.current.task, etag: outcome.current.etag, replayed: true, event: null };
    case 'change': {
      const event = await deps.outbox.publishReactivated(outcome.history, outcome.etag, signal);
      return { kind: 'reactivated', task: outcome.task, etag: outcome.etag, replayed: false, event };
    }
    case 'rejection':
      return command.trigger === 'queue' ? refuseQueued(deps, command, idempotencyKey, outcome) : outcome;
  }
}

/**
 * A queued request's refusal is published before the request is answered: when that fails the
 * request answers a fault, so its message is delivered again and the refusal published then.
 */
async function refuseQueued(deps: ReactivateTaskDeps, command: ReactivateTaskCommand, key: string, refusal: Rejection): Promise<Rejection | Fault> {
  try {
    await deps.outbox.publishRejected({ jobId: command.jobId, taskId: command.taskId, requestId: key, code: refusal.code, message: refusal.message }, command.deadline.signal);
    return refusal;
  } catch {
    return SERVER_BUSY;
  }
}

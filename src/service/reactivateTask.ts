import { randomUUID } from 'node:crypto';

import type { Condition } from '../domain/conditions';
import type { Trigger } from '../domain/history';
import { planReactivation, type ReactivationChange, type ReactivationReplay } from '../domain/reactivation';
import type { Rejection } from '../domain/rejections';
import type { Task } from '../domain/task';
import type { EventDelivery, Outbox, PendingEvents } from '../outbox/outbox';
import type { OutboxRef } from '../outbox/outboxStore';
import type { Retention } from '../retention/retention';
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

/** A change that committed, with the task's new ETag and its outbox row. */
type Committed = ReactivationChange & { etag: string; outbox: OutboxRef | undefined };

export interface ReactivateTaskDeps {
  store: TaskStore;
  outbox: Outbox;
  retention: Retention;
  clock: Clock;
}

/**
 * Reactivates a failed task. One round trip reads the job row and the task row and, in parallel,
 * sends the delayed check that covers this request's event whatever happens next; the decision is
 * pure; the commit writes the task (conditional on the version read) and its history row (its
 * event's outbox, born claimed by this request) in one transaction; then the event is sent. Three
 * round trips in all; marking the outbox row and withdrawing the check follow the answer. Losing the
 * race means someone wrote the task meanwhile (another reactivation, or a termination stamping it):
 * read again and decide afresh; the idempotency key on the row recognises this request's own commit.
 */
export async function reactivateTask(deps: ReactivateTaskDeps, command: ReactivateTaskCommand, stats: RetryStats = { conflicts: 0, faults: 0 }): Promise<ReactivateTaskOutcome> {
  const { store, outbox } = deps;
  const idempotencyKey = command.clientRequestId ?? command.requestId;
  const { signal } = command.deadline;
  // One time for the whole request, whatever its retries: the time its history records.
  const now = deps.clock();
  let pending: PendingEvents | undefined;
  // Set once a commit was sent: its outcome may be unknown (a lost response), so the check stays.
  const progress = { committing: false };
  const outcome = await retryUntilSettled<Committed | ReactivationReplay | Rejection>(command.deadline, stats, async () => {
    const [job, task, events] = await Promise.all([
      store.readJob(command.jobId, signal),
      store.readTask(command.jobId, command.taskId, signal),
      pending ?? outbox.open(command.jobId, [command.taskId], idempotencyKey, signal),
    ]);
    pending = events;
    const plan = planReactivation(job, task, {
      condition: command.condition,
      idempotencyKey,
      requestId: command.requestId,
      clientRequestId: command.clientRequestId,
      trigger: command.trigger,
      eventId: randomUUID(),
      now,
    });
    if (plan.kind !== 'change') return settled(plan);
    // The history row about to be written must one day expire. Done once per job and day in a
    // process (a round trip then, none after), and only for a change: a refusal writes nothing.
    await deps.retention.cover(command.jobId, now, signal);
    progress.committing = true;
    const commit = await store.commitReactivations([plan], idempotencyKey, signal);
    const row = commit.kind === 'committed' ? commit.rows[0] : undefined;
    // Committed, but the answer lacks the new ETag: the re-read finds this request's own key on
    // the row (a replay) and so learns the ETag, rather than a committed reactivation failing.
    if (row?.taskEtag === undefined) return CONFLICT;
    return settled({ ...plan, etag: row.taskEtag, outbox: row.outbox });
  });
  switch (outcome.kind) {
    case 'fault':
      return outcome;
    case 'replay':
      // An earlier request's commit: its own check covers its event. This one's is not needed,
      // unless this very request committed and lost the answer, whose event its check then sends.
      if (!progress.committing) pending?.drop();
      return { kind: 'reactivated', task: outcome.current.task, etag: outcome.current.etag, replayed: true, event: null };
    case 'change': {
      const event = pending === undefined ? 'left to the check' : await pending.publish([{ history: outcome.history, taskEtag: outcome.etag, outbox: outcome.outbox }], signal);
      return { kind: 'reactivated', task: outcome.task, etag: outcome.etag, replayed: false, event };
    }
    case 'rejection':
      if (!progress.committing) pending?.drop();
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

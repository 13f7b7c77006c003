import type { HistoryRecord } from '../domain/history';
import type { Clock } from '../service/clock';
import type { HeldMessage, Queue } from '../service/queue';
import type { CheckMessage } from './checkMessage';
import { reactivatedEvent, rejectedEvent, type RejectedRequest } from './events';
import type { OutboxRef, OutboxRow, OutboxStore } from './outboxStore';

/** Whether the event of a committed reactivation is on the queue, or left to its delayed check. */
export type EventDelivery = 'published' | 'left to the check';

/**
 * The two delays the argument rests on (docs/outbox.md). The check waits longer than any request
 * lives, so when it looks, a commit it does not find will never land; a claim is left to its holder
 * for longer than any holder lives, so a claim still unchanged after that has no one behind it.
 */
export interface OutboxTiming {
  checkDelaySeconds: number;
  leaseSeconds: number;
}

export const OUTBOX_TIMING: OutboxTiming = { checkDelaySeconds: 300, leaseSeconds: 120 };

/**
 * Bookkeeping after an answer (marks, withdrawals) gets this long: room for a stalled request to be
 * sent again (storage/stalledTries.ts), and still far inside both delays.
 */
const BOOKKEEPING_MS = 30_000;

export interface OutboxDeps {
  store: OutboxStore;
  events: Queue;
  checks: Queue;
  clock: Clock;
  timing?: OutboxTiming;
}

/** A committed reactivation whose event is to be sent: its record, the task's new ETag and its outbox row. */
export interface Committed {
  history: HistoryRecord;
  /** Null when storage did not say: the event then says the ETag cannot be known. */
  taskEtag: string | null;
  outbox: OutboxRef | undefined;
}

/** What a check did: events it sent, rows it left to a live claim, and whether it must look again. */
export interface CheckReport {
  found: number;
  sent: number;
  waiting: number;
}

/**
 * Every event the app publishes goes through here. A request that may commit reactivations first
 * sends a delayed check naming itself (`open`); its commit writes each history row unpublished and
 * claimed by the request; right after the commit it sends the events (`PendingEvents.publish`), and
 * afterwards, off the answer's critical path, marks the rows published and withdraws the check. If
 * the request dies anywhere, the check finds its rows and sends what is left, with the same
 * `event_id`. Nothing scans: a check reads the rows of the tasks it names.
 */
export class Outbox {
  private readonly timing: OutboxTiming;
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly deps: OutboxDeps) {
    this.timing = deps.timing ?? OUTBOX_TIMING;
  }

  /** Before the request's first commit: the check that covers it whatever happens next. */
  async open(jobId: string, taskIds: readonly string[], key: string, signal: AbortSignal): Promise<PendingEvents> {
    const message: CheckMessage = { job_id: jobId, request_key: key, task_ids: [...taskIds] };
    const held = await this.deps.checks.sendLater(message, this.timing.checkDelaySeconds, signal);
    return new PendingEvents(this, held);
  }

  /**
   * Publishes the refusal of a queued request. Nothing in storage records it, so a failure is
   * thrown: the request's message is then delivered again and the refusal published then, with
   * the same event id.
   */
  async publishRejected(request: Omit<RejectedRequest, 'now'>, signal: AbortSignal): Promise<void> {
    await this.deps.events.send(rejectedEvent({ ...request, now: this.deps.clock() }), signal);
  }

  /** Sends the events of committed reactivations, all at once; says which were sent instead of throwing. */
  async send(committed: readonly Committed[], signal: AbortSignal): Promise<boolean[]> {
    const sent = await Promise.allSettled(committed.map((row) => this.deps.events.send(reactivatedEvent(row.history, row.taskEtag), signal)));
    return sent.map((result) => result.status === 'fulfilled');
  }

  /**
   * Work after the answer: it may be lost with the instance, which costs at most a resend by the
   * check. It starts on a later turn of the event loop, once the answer has gone out.
   */
  later(work: (signal: AbortSignal) => Promise<void>): void {
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => work(AbortSignal.timeout(BOOKKEEPING_MS)))
      .catch(() => undefined)
      .finally(() => this.background.delete(done));
    this.background.add(done);
  }

  /** Resolves once every piece of bookkeeping started so far has ended (tests, the benchmark, shutdown). */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  markPublished(refs: readonly OutboxRef[], signal: AbortSignal): Promise<void> {
    return this.deps.store.markPublished(refs, signal);
  }

  withdraw(held: HeldMessage, signal: AbortSignal): Promise<void> {
    return this.deps.checks.withdraw(held, signal);
  }

  /**
   * The check (queue trigger on the outbox-checks queue). For each row the request committed and
   * that is not published: a claim first seen now is left to its holder for a lease (the message
   * comes back then, remembering the version it saw); a claim seen unchanged a lease ago has no
   * live holder, so the row is taken over (If-Match on that version: of two checkers, one wins),
   * its event sent and the row marked. A row that could not be done now is looked at again after a
   * lease; only when even that message cannot be sent does the check throw (and the host retry it).
   */
  async check(message: CheckMessage, checker: string, signal: AbortSignal): Promise<CheckReport> {
    const rows = await this.deps.store.findOutbox(message.job_id, message.task_ids, message.request_key, signal);
    const seen = message.seen ?? {};
    const waiting: Record<string, string> = {};
    const outcomes = await Promise.all(rows.filter((row) => !row.published).map((row) => this.takeOver(row, seen[row.ref.row], checker, signal)));
    for (const outcome of outcomes) if (outcome.kind === 'waiting') waiting[outcome.row] = outcome.etag;
    const left = Object.keys(waiting).length;
    if (left > 0) await this.deps.checks.sendLater({ ...message, seen: waiting }, this.timing.leaseSeconds, signal);
    return { found: rows.length, sent: outcomes.filter((outcome) => outcome.kind === 'sent').length, waiting: left };
  }

  private async takeOver(row: OutboxRow, seenEtag: string | undefined, checker: string, signal: AbortSignal): Promise<{ kind: 'sent' } | { kind: 'waiting'; row: string; etag: string }> {
    if (seenEtag !== row.ref.etag) return { kind: 'waiting', row: row.ref.row, etag: row.ref.etag };
    const claim = await this.deps.store.claimOutbox(row.ref, checker, signal);
    // Someone else moved the row meanwhile (took it over, or marked it): look again after a lease.
    if (claim.kind === 'conflict') return { kind: 'waiting', row: row.ref.row, etag: '' };
    try {
      await this.deps.events.send(reactivatedEvent(row.record, await this.etagRightAfter(row.record, signal)), signal);
      await this.deps.store.markPublished([{ ...row.ref, etag: claim.etag }], signal);
      return { kind: 'sent' };
    } catch {
      // Not sent, or sent and not marked: this checker's claim stands for it, and a lease later the
      // row is taken over again (a send that landed is then repeated, with the same event id).
      return { kind: 'waiting', row: row.ref.row, etag: claim.etag };
    }
  }

  /**
   * The task's ETag as the reactivation left it, if the row is still exactly that: same request,
   * same reactivation, not modified since, not stamped by a termination since (a stamp changes the
   * ETag but not `last_modified`). Otherwise it can no longer be known, and the event says null.
   */
  private async etagRightAfter(record: HistoryRecord, signal: AbortSignal): Promise<string | null> {
    const snapshot = await this.deps.store.readTask(record.job_id, record.task_id, signal);
    const unchanged =
      snapshot !== null &&
      snapshot.lastRequestId === (record.client_request_id ?? record.request_id) &&
      snapshot.task.reactivation_count === record.reactivation_number &&
      snapshot.task.last_modified === record.reactivated_at &&
      snapshot.jobStamp === 'active';
    return unchanged ? snapshot.etag : null;
  }
}

/**
 * The events a request may commit, covered by its delayed check from before its first commit until
 * they are on the queue and marked. How the request ends decides what becomes of the check.
 */
export class PendingEvents {
  constructor(
    private readonly outbox: Outbox,
    private readonly held: HeldMessage,
  ) {}

  /**
   * Sends the events of what committed; the answer waits for them. Marking the rows and withdrawing
   * the check come after, off the critical path: if either is lost, the check resends, same event id.
   * `alsoUnknown`: some commit of this request may have landed without its events being sent (its
   * answer was lost): the check is then kept, to find those rows.
   */
  async publish(committed: readonly Committed[], signal: AbortSignal, alsoUnknown = false): Promise<EventDelivery> {
    const sent = await this.outbox.send(committed, signal);
    // Only a row whose event is on the queue is marked; the check sends the others' later.
    const refs = committed.flatMap((row, index) => (sent[index] === true && row.outbox !== undefined ? [row.outbox] : []));
    const everyOne = refs.length === committed.length;
    if (refs.length > 0) {
      this.outbox.later(async (bookkeeping) => {
        await this.outbox.markPublished(refs, bookkeeping);
        if (everyOne && !alsoUnknown) await this.outbox.withdraw(this.held, bookkeeping);
      });
    }
    return sent.every(Boolean) ? 'published' : 'left to the check';
  }

  /** Nothing this request did can have committed: the check would find nothing, so it is withdrawn. */
  drop(): void {
    this.outbox.later((signal) => this.outbox.withdraw(this.held, signal));
  }
}

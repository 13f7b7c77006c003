import type { HistoryRecord } from '../domain/history';
import type { Clock } from '../service/clock';
import type { Queue } from '../service/queue';
import { reactivatedEvent, rejectedEvent, type RejectedRequest } from './events';
import type { OutboxStore } from './outboxStore';

/** Whether the event of a committed reactivation is on the queue yet, or waits for the relay. */
export type EventDelivery = 'published' | 'left to the relay';

/** How long a fresh reactivation's own publisher is given before the relay steps in. */
export const RELAY_DELAY_MS = 30_000;

/** One relay run may not outlast the timer's period: a slow or hung queue must not stall the relay. */
const RELAY_BUDGET_MS = 25_000;

export interface RelayReport {
  relayed: number;
  failed: number;
}

export interface OutboxDeps {
  store: OutboxStore;
  events: Queue;
  clock: Clock;
}

/**
 * Every event the app publishes goes through here. A reactivation's event is sent right after its
 * commit; if that fails (or the process dies), its history row still says "unpublished" and the
 * relay sends it later with the same `event_id`, so an event may arrive twice but is never lost.
 */
export class Outbox {
  constructor(private readonly deps: OutboxDeps) {}

  /**
   * Publishes the `task.reactivated` event of a committed reactivation, then marks its outbox row.
   * A failure loses nothing (the relay sends it later), so it is reported, never thrown; `signal`
   * (the request's deadline) keeps a slow queue from holding an answer already earned.
   */
  async publishReactivated(history: HistoryRecord, etag: string, signal: AbortSignal): Promise<EventDelivery> {
    try {
      await this.deps.events.send(reactivatedEvent(history, etag), signal);
      await this.deps.store.markEventPublished(history, signal);
      return 'published';
    } catch {
      return 'left to the relay';
    }
  }

  /**
   * Publishes the refusal of a queued request. Nothing in storage records it, so a failure is
   * thrown: the request's message is then delivered again and the refusal published then, with
   * the same event id.
   */
  async publishRejected(request: Omit<RejectedRequest, 'now'>, signal: AbortSignal): Promise<void> {
    await this.deps.events.send(rejectedEvent({ ...request, now: this.deps.clock() }), signal);
  }

  /**
   * Sends the event of every reactivation not marked published after a delay, with the event id
   * recorded at commit time, so a consumer that already saw it can tell. Sending twice is possible
   * (a crash between send and mark); losing one is not.
   */
  async relay(delayMs = RELAY_DELAY_MS): Promise<RelayReport> {
    const before = new Date(this.deps.clock().getTime() - delayMs).toISOString();
    const signal = AbortSignal.timeout(RELAY_BUDGET_MS);
    const pending = await this.deps.store.listUnpublishedEvents(before, signal);
    const report: RelayReport = { relayed: 0, failed: 0 };
    for (const record of pending) {
      try {
        await this.deps.events.send(reactivatedEvent(record, await this.etagRightAfter(record, signal)), signal);
        await this.deps.store.markEventPublished(record, signal);
        report.relayed += 1;
      } catch {
        report.failed += 1;
      }
    }
    return report;
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

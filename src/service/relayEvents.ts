import { reactivatedEvent } from '../domain/events';
import type { HistoryRecord } from '../domain/history';
import type { MessageQueue } from '../storage/messageQueue';
import type { TaskTable } from '../storage/taskTable';

export interface RelayDeps {
  table: TaskTable;
  events: MessageQueue;
  now?: () => Date;
}

/** How long a fresh reactivation's own publisher is given before the relay steps in. */
export const RELAY_DELAY_MS = 30_000;

/** One run may not outlast the timer's period: a slow or hung queue must not stall the relay. */
const RUN_BUDGET_MS = 25_000;

export interface RelayReport {
  relayed: number;
  failed: number;
}

/**
 * The outbox relay: sends the event of every reactivation not marked published after a delay,
 * with the event id recorded at commit time, so a consumer that already saw it can tell. Sending
 * twice is possible (a crash between send and mark); losing one is not.
 */
export async function relayEvents(deps: RelayDeps, delayMs = RELAY_DELAY_MS): Promise<RelayReport> {
  const now = deps.now ?? (() => new Date());
  const before = new Date(now().getTime() - delayMs).toISOString();
  const signal = AbortSignal.timeout(RUN_BUDGET_MS);
  const pending = await deps.table.listUnpublishedEvents(before, signal);
  const report: RelayReport = { relayed: 0, failed: 0 };
  for (const record of pending) {
    try {
      await deps.events.send(reactivatedEvent(record, await etagRightAfter(deps.table, record, signal)), signal);
      await deps.table.markEventPublished(record, signal);
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
async function etagRightAfter(table: TaskTable, record: HistoryRecord, signal: AbortSignal): Promise<string | null> {
  const snapshot = await table.readTask(record.job_id, record.task_id, signal);
  const unchanged =
    snapshot !== null &&
    snapshot.lastRequestId === (record.client_request_id ?? record.request_id) &&
    snapshot.task.reactivation_count === record.reactivation_number &&
    snapshot.task.last_modified === record.reactivated_at &&
    snapshot.jobStamp === 'active';
  return unchanged ? snapshot.etag : null;
}

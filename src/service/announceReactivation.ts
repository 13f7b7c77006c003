import { reactivatedEvent } from '../domain/events';
import type { HistoryRecord } from '../domain/history';
import type { MessageQueue } from '../storage/messageQueue';
import type { TaskTable } from '../storage/taskTable';

export interface AnnounceDeps {
  table: TaskTable;
  events: MessageQueue;
}

export type Announcement = 'published' | 'left to the relay';

/**
 * Publishes the `task.reactivated` event of a committed reactivation, then marks its outbox row.
 * A failure here loses nothing: the history row still says "unpublished", and the relay sends the
 * event later with the same id. So it is reported, never thrown, and the caller's answer stands;
 * `signal` (the request's deadline) keeps a slow queue from holding an answer already earned.
 */
export async function announceReactivation(deps: AnnounceDeps, history: HistoryRecord, etag: string, signal: AbortSignal): Promise<Announcement> {
  try {
    await deps.events.send(reactivatedEvent(history, etag), signal);
    await deps.table.markEventPublished(history, signal);
    return 'published';
  } catch {
    return 'left to the relay';
  }
}

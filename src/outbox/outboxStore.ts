import type { HistoryRecord } from '../domain/history';
import type { TaskSnapshot } from '../domain/task';

/**
 * What the outbox needs of storage. A reactivation's history record is its event's outbox row: it
 * is written unpublished in the reactivation's own commit, and marked once the event is on the queue.
 */
export interface OutboxStore {
  markEventPublished(record: HistoryRecord, signal?: AbortSignal): Promise<void>;
  /** Records whose event is not marked published, reactivated before `before` (an ISO time). */
  listUnpublishedEvents(before: string, signal?: AbortSignal): Promise<HistoryRecord[]>;
  readTask(jobId: string, taskId: string, signal?: AbortSignal): Promise<TaskSnapshot | null>;
}

import type { HistoryRecord } from '../domain/history';
import type { TaskSnapshot } from '../domain/task';
import type { ConditionalWrite } from '../service/taskStore';

/**
 * Where an outbox row is and which version of it was seen: opaque to the outbox, which only hands
 * it back to the store (to claim the row, or to mark it published, conditional on that version).
 */
export interface OutboxRef {
  readonly jobId: string;
  readonly row: string;
  readonly etag: string;
}

/**
 * A reactivation's history record seen as its event's outbox: written unpublished in the
 * reactivation's own commit, born claimed by the request that commits it.
 */
export interface OutboxRow {
  ref: OutboxRef;
  record: HistoryRecord;
  published: boolean;
  /** Who may send the event: the committing request's key, or the checker that took the row over. */
  claimedBy: string;
}

/** What the outbox needs of storage. */
export interface OutboxStore {
  /** The outbox rows a request (by its idempotency key) committed for these tasks of a job. */
  findOutbox(jobId: string, taskIds: readonly string[], key: string, signal?: AbortSignal): Promise<OutboxRow[]>;
  /** Takes a row over for `claimer`, if it still has the version `ref` names. */
  claimOutbox(ref: OutboxRef, claimer: string, signal?: AbortSignal): Promise<ConditionalWrite>;
  /**
   * Marks rows published, each if it still has the version its ref names (rows of one job together,
   * in transactions of up to 100 rows). A row someone else has taken over since is left to them.
   */
  markPublished(refs: readonly OutboxRef[], signal?: AbortSignal): Promise<void>;
  readTask(jobId: string, taskId: string, signal?: AbortSignal): Promise<TaskSnapshot | null>;
}

import type { HistoryRecord } from '../domain/history';
import type { JobRow, JobSnapshot } from '../domain/job';
import type { ReactivationChange } from '../domain/reactivation';
import type { BulkReactivationResult } from '../domain/bulkResult';
import type { OutboxRef } from '../outbox/outboxStore';
import type { JobState } from '../domain/states';
import type { Task, TaskSnapshot } from '../domain/task';

/**
 * The storage the use cases need, in their own terms. Every write is conditional on the version
 * (ETag) the use case read, and reports losing that race as a value, never as an error: what to do
 * then (read again, decide afresh) is the use case's business. Faults (storage unavailable, the
 * deadline ran out) are thrown as the errors of `src/storage/storageErrors.ts`.
 */
export interface TaskStore {
  /** How many reactivations fit in one atomic commit. */
  readonly reactivationsPerCommit: number;
  /** How many task rows a termination sweep can stamp in one atomic commit. */
  readonly sweepRowsPerCommit: number;
  /** The most rows one page of a listing can hold. */
  readonly maxRowsPerPage: number;

  readJob(jobId: string, signal?: AbortSignal): Promise<JobSnapshot | null>;
  readTask(jobId: string, taskId: string, signal?: AbortSignal): Promise<TaskSnapshot | null>;
  /** Replaces the job row (the job and its sweep's cursor), if it still has the version `etag` names. */
  writeJob(row: JobRow, etag: string, signal?: AbortSignal): Promise<ConditionalWrite>;

  /**
   * Reactivations of one job, atomically: each task row if it still has the version its change was
   * planned on, carrying `idempotencyKey`, and each history record, born as its event's outbox row
   * claimed by `idempotencyKey`. All commit or none does.
   */
  commitReactivations(changes: readonly ReactivationChange[], idempotencyKey: string, signal?: AbortSignal): Promise<ReactivationCommit>;
  /** One batch of a termination sweep, atomically, each row if it still has the version it was listed with. */
  commitSweep(rows: readonly SweptRow[], signal?: AbortSignal): Promise<ConditionalCommit>;

  /**
   * One page of a job's task rows in id order, as storage returns it: at most `page.size` rows (up
   * to `maxRowsPerPage`) after the task `listing.after` (an id key), or, with `page.resume`, where the page
   * before it stopped. A page may be short, or even empty, and still not be the last: only a page
   * whose `resume` is null is.
   */
  listTaskPage(jobId: string, listing: TaskListing, page: PageRequest, signal?: AbortSignal): Promise<TaskPage>;
  /** The tasks from one id to another, both included, in id order. */
  listTaskRange(jobId: string, fromTaskId: string, toTaskId: string, signal?: AbortSignal): Promise<TaskSnapshot[]>;

  /** A task's reactivations, newest first. */
  listHistory(jobId: string, taskId: string, signal?: AbortSignal): Promise<HistoryRecord[]>;

  readBulkAnswer(jobId: string, idempotencyKey: string, signal?: AbortSignal): Promise<StoredBulkAnswer | null>;
  /** Keeps a bulk answer for repeats of its request; the first one kept stays. */
  saveBulkAnswer(jobId: string, idempotencyKey: string, answer: StoredBulkAnswer, signal?: AbortSignal): Promise<void>;
}

/** A conditional write landed (with the row's new version), or lost the race and changed nothing. */
export type ConditionalWrite = { kind: 'written'; etag: string } | { kind: 'conflict' };

/** A conditional commit of many rows landed whole, or some row lost its race and nothing changed. */
export type ConditionalCommit = { kind: 'committed' } | { kind: 'conflict' };

/**
 * A commit of reactivations: for each change, in order, the task row's new version (undefined when
 * storage did not say) and its outbox row; or a lost race.
 */
export type ReactivationCommit = { kind: 'committed'; rows: readonly CommittedReactivation[] } | { kind: 'conflict' };

export interface CommittedReactivation {
  taskEtag: string | undefined;
  outbox: OutboxRef | undefined;
}

/** One task row of a termination sweep: what was listed, what replaces it, and the job state it is stamped with. */
export interface SweptRow {
  from: TaskSnapshot;
  task: Task;
  stamp: JobState;
}

export interface TaskListing {
  /** Id key of the last task an earlier call covered; null from the first task. */
  after: string | null;
  /**
   * Which rows, filtered in storage: every task; the failed tasks and the rows this key already
   * reactivated (a large job with few failures costs few rows); or only the rows this key reactivated.
   */
  rows: { kind: 'all' } | { kind: 'failedOrCarrying'; key: string } | { kind: 'carrying'; key: string };
}

export interface PageRequest {
  size: number;
  /** The `resume` of the page before, to go on with the same listing; null to start after `listing.after`. */
  resume: string | null;
}

export interface TaskPage {
  tasks: TaskSnapshot[];
  /** Where the listing goes on (opaque); null when this page is the last. */
  resume: string | null;
}

/** A bulk answer kept for repeats, with what identifies the request body it answered. */
export interface StoredBulkAnswer {
  fingerprint: string;
  result: BulkReactivationResult;
  /** When it was answered (ISO): it is kept for the history's retention period from then. */
  savedAt: string;
}

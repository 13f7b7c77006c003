import { createHash } from 'node:crypto';

import type { ReactivateFailedTasksBody } from '../domain/bulkRequest';
import type { BulkReactivationResult, SkippedTask } from '../domain/bulkResult';
import { bulkJobRefusal, type BulkRequest, type TaskFilter } from '../domain/bulkSelection';
import { NO_CONDITION } from '../domain/conditions';
import { continuationAfter, encodeContinuation } from '../domain/continuation';
import type { Trigger } from '../domain/history';
import { idKey } from '../domain/ids';
import { reject, type Rejection } from '../domain/rejections';
import type { Outbox } from '../outbox/outbox';
import type { Retention } from '../retention/retention';
import { pageSizeFor, reactivatePages } from './bulkPages';
import type { Clock } from './clock';
import type { Deadline } from './deadline';
import { invalidRequest, type Fault, type InvalidRequest } from './outcomes';
import { retryUntilSettled, settled, storageFault, type RetryStats } from './retryLoop';
import type { PageRequest, StoredBulkAnswer, TaskListing, TaskStore } from './taskStore';

export interface ReactivateFailedTasksCommand {
  jobId: string;
  body: ReactivateFailedTasksBody;
  /** A fresh id for this invocation; also the idempotency key when the caller gave none. */
  requestId: string;
  clientRequestId: string | null;
  trigger: Trigger;
  deadline: Deadline;
}

export interface BulkReactivated {
  kind: 'bulkReactivated';
  result: BulkReactivationResult;
  /** True when the answer is the stored answer of an earlier call with the same client-request-id. */
  replayed: boolean;
}

export type ReactivateFailedTasksOutcome = BulkReactivated | InvalidRequest | Rejection | Fault;

export interface ReactivateFailedTasksDeps {
  store: TaskStore;
  outbox: Outbox;
  retention: Retention;
  clock: Clock;
}

/** The same key with another body is refused, so the fingerprint covers every field of the body. */
function fingerprintOf(body: ReactivateFailedTasksBody): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('base64url');
}

/**
 * Reactivates the failed tasks of a job that match a filter, with the single call's rules and race
 * safety, in transactions of up to 100 rows. One round trip reads the job row, the first page of the
 * listing and (for a repeat) the stored answer; then page by page each task is planned by
 * `planReactivation` and the page's commits follow before the next page is read (`reactivatePages`).
 *
 * Idempotency: every reactivated row carries the request's key, as in the single call, so a repeat
 * (or a retry after a lost response) finds its own work as replays; with a client-request-id the
 * answer is also stored in the job partition and a repeat answers it unchanged.
 */
export async function reactivateFailedTasks(
  deps: ReactivateFailedTasksDeps,
  command: ReactivateFailedTasksCommand,
  stats: RetryStats = { conflicts: 0, faults: 0 },
): Promise<ReactivateFailedTasksOutcome> {
  const { body, deadline, jobId } = command;
  const { store } = deps;
  const key = command.clientRequestId ?? command.requestId;
  const continuation = body.continuation ?? null;
  if (continuation !== null && continuation.job !== idKey(jobId)) {
    return invalidRequest('body.continuation', 'was issued for another job');
  }
  // Only a caller-given key can be repeated; a dry run writes nothing, not even its answer.
  const remembered = command.clientRequestId !== null && !body.dry_run;
  const fingerprint = fingerprintOf(body);
  const now = deps.clock();
  const named = body.task_ids !== undefined;
  // Named tasks are listed whole, to say why each one is not reactivated.
  const listing: TaskListing = { after: continuation?.after ?? null, rows: named ? { kind: 'all' } : { kind: 'failedOrCarrying', key } };

  const read = await retryUntilSettled(deadline, stats, async () => {
    const [job, first, stored] = await Promise.all([
      store.readJob(jobId, deadline.signal),
      store.listTaskPage(jobId, listing, { size: pageSizeFor(store.maxRowsPerPage, body.max_tasks, named), resume: null }, deadline.signal),
      remembered ? store.readBulkAnswer(jobId, key, deadline.signal) : Promise.resolve(null),
    ]);
    return settled({ kind: 'read' as const, job, first, stored });
  });
  if (read.kind === 'fault') return read;
  if (read.stored !== null) {
    if (read.stored.fingerprint === fingerprint) return { kind: 'bulkReactivated', result: read.stored.result, replayed: true };
    return invalidRequest('client-request-id', 'was already used for a different request to this job; send a fresh one');
  }
  if (read.job === null) return reject('JOB_NOT_FOUND', 'The job does not exist.');
  const job = read.job.job;

  const filter: TaskFilter = { taskIds: body.task_ids ?? null, failureCodes: body.failure_codes ?? null, exitCodes: body.exit_codes ?? null };
  const refusal = bulkJobRefusal(read.job, read.first.tasks);
  let answered;
  if (refusal !== null) {
    answered = await ownWorkOrRefusal(deps, command, refusal, listing.after, stats);
  } else {
    // What this call writes (history rows, its stored answer) must one day expire. A refusal or a
    // dry run writes nothing, so this comes only now (and costs a request once per process, job and day).
    if (!body.dry_run) {
      const covered = await retryUntilSettled(deadline, stats, async () => {
        await deps.retention.cover(jobId, now, deadline.signal);
        return settled({ kind: 'covered' as const });
      });
      if (covered.kind === 'fault') return covered;
    }
    const request: BulkRequest = {
      condition: NO_CONDITION,
      idempotencyKey: key,
      requestId: command.requestId,
      clientRequestId: command.clientRequestId,
      trigger: command.trigger,
      now,
    };
    answered = await reactivatePages(deps, { job: read.job, first: read.first, listing, filter, maxTasks: body.max_tasks, dryRun: body.dry_run, request, deadline }, stats);
  }
  if (answered.kind !== 'answer') return answered;
  const result: BulkReactivationResult = {
    job_id: job.id,
    dry_run: body.dry_run,
    matched: answered.matched,
    reactivated: answered.reactivated,
    skipped: answered.skipped,
    continuation: answered.continuation === null ? null : encodeContinuation(continuationAfter(job.id, answered.continuation)),
  };
  if (remembered) await remember(store, jobId, key, { fingerprint, result, savedAt: now.toISOString() }, deadline);
  return { kind: 'bulkReactivated', result, replayed: false };
}

/**
 * A job that has begun to end refuses any further reactivation. But a repeat of a call whose
 * commits landed and whose answer was lost (it timed out) must learn what it did before it hears a
 * refusal, as the single call answers its own replay before any job-state refusal: the task rows
 * that carry its key are its work (the sweep keeps the key on the rows it ends). One query, filtered
 * in storage on the key, finds them; with none, the refusal is the answer.
 */
async function ownWorkOrRefusal(
  deps: ReactivateFailedTasksDeps,
  command: ReactivateFailedTasksCommand,
  refusal: Rejection,
  after: string | null,
  stats: RetryStats,
): Promise<{ kind: 'answer'; reactivated: string[]; skipped: SkippedTask[]; matched: number; continuation: null } | Rejection | Fault> {
  const { deadline, body } = command;
  // A fresh key has reactivated nothing, and a dry run never writes.
  if (command.clientRequestId === null || body.dry_run) return refusal;
  const key = command.clientRequestId;
  const ids: string[] = [];
  let resume: string | null = null;
  do {
    const page: PageRequest = { size: deps.store.maxRowsPerPage, resume };
    const listed = await retryUntilSettled(deadline, stats, async () =>
      settled({ kind: 'listed' as const, page: await deps.store.listTaskPage(command.jobId, { after, rows: { kind: 'carrying', key } }, page, deadline.signal) }),
    );
    if (listed.kind === 'fault') return listed;
    ids.push(...listed.page.tasks.map((snapshot) => snapshot.task.id));
    resume = listed.page.resume;
  } while (resume !== null);
  if (ids.length === 0) return refusal;
  const mine = new Set(ids.map(idKey));
  const namedKeys = new Map((body.task_ids ?? []).map((id) => [idKey(id), id]));
  const skipped = [...namedKeys]
    .filter(([k]) => !mine.has(k) && (after === null || k > after))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, id]) => ({ id, code: refusal.code, message: refusal.message }));
  return { kind: 'answer', reactivated: ids, skipped, matched: ids.length, continuation: null };
}

/** Storing the answer is best effort: without it a repeat still finds its own rows as replays. */
async function remember(store: TaskStore, jobId: string, key: string, answer: StoredBulkAnswer, deadline: Deadline): Promise<void> {
  try {
    await store.saveBulkAnswer(jobId, key, answer, deadline.signal);
  } catch (error) {
    if (storageFault(error) === null) throw error;
  }
}

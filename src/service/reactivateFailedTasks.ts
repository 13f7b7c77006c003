import { createHash, randomUUID } from 'node:crypto';

import type { ReactivateFailedTasksBody } from '../domain/bulkRequest';
import type { BulkReactivationResult, SkippedTask } from '../domain/bulkResult';
import { bulkJobRefusal, selectFailedTasks, type BulkRequest, type SelectedTasks, type TaskFilter } from '../domain/bulkSelection';
import { continuationAfter, encodeContinuation } from '../domain/continuation';
import type { Trigger } from '../domain/history';
import { idKey } from '../domain/ids';
import { reject, type Rejection } from '../domain/rejections';
import { StorageDeadlineError, StorageUnavailableError } from '../storage/storageErrors';
import type { TaskTable } from '../storage/taskTable';
import { commitInTransactions, type BulkCommitHooks, type BulkCommitReport } from './bulkCommit';
import type { Deadline } from './deadline';
import { TIMED_OUT, type Fault } from './outcomes';
import { isFault, retryUntilSettled, settled, type RetryStats } from './retryLoop';
import { NO_CONDITION } from '../domain/conditions';

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

/** A request that is well-formed but cannot be served as given; answered like a bad field. */
export interface InvalidRequest {
  kind: 'invalid';
  field: string;
  message: string;
}

export type ReactivateFailedTasksOutcome = BulkReactivated | InvalidRequest | Rejection | Fault;

export interface BulkReactivationHooks extends BulkCommitHooks {
  /** Runs between the read (job row and listing) and the first commit. */
  afterRead?: () => Promise<void>;
}

export interface ReactivateFailedTasksDeps {
  table: TaskTable;
  now?: () => Date;
  hooks?: BulkReactivationHooks;
}

/** The same key with another body is refused, so the fingerprint covers every field of the body. */
function fingerprintOf(body: ReactivateFailedTasksBody): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('base64url');
}

function byKey<T>(idOf: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const [ka, kb] = [idKey(idOf(a)), idKey(idOf(b))];
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/**
 * Reactivates the failed tasks of a job that match a filter, with the single call's rules and race
 * safety, in transactions of up to 100 rows. One round trip reads the job row, the listing and (for a
 * repeat) the stored answer; each task is planned by `planReactivation`; the commits follow.
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
  const now = deps.now ?? (() => new Date());
  const { body, deadline, jobId } = command;
  const { table } = deps;
  const key = command.clientRequestId ?? command.requestId;
  const continuation = body.continuation ?? null;
  if (continuation !== null && continuation.job !== idKey(jobId)) {
    return { kind: 'invalid', field: 'body.continuation', message: 'was issued for another job' };
  }
  // Only a caller-given key can be repeated; a dry run writes nothing, not even its answer.
  const remembered = command.clientRequestId !== null && !body.dry_run;
  const fingerprint = fingerprintOf(body);

  const read = await retryUntilSettled(deadline, stats, async () => {
    const [job, listed, stored] = await Promise.all([
      table.readJob(jobId, deadline.signal),
      // Named tasks are listed whole, to say why each one is not reactivated.
      table.listTasksAfter(jobId, { after: continuation?.after ?? null, failedOrCarrying: body.task_ids === undefined ? key : null }, deadline.signal),
      remembered ? table.readBulkResult(jobId, key, deadline.signal) : Promise.resolve(null),
    ]);
    return settled({ job, listed, stored });
  });
  if (isFault(read)) return read;
  if (read.stored !== null) {
    if (read.stored.fingerprint === fingerprint) return { kind: 'bulkReactivated', result: read.stored.result, replayed: true };
    return { kind: 'invalid', field: 'client-request-id', message: 'was already used for a different request to this job; send a fresh one' };
  }
  if (read.job === null) return reject('JOB_NOT_FOUND', 'The job does not exist.');
  const refusal = bulkJobRefusal(read.job, read.listed);
  if (refusal !== null) return refusal;

  const filter: TaskFilter = { taskIds: body.task_ids ?? null, failureCodes: body.failure_codes ?? null, exitCodes: body.exit_codes ?? null };
  const request: BulkRequest = {
    condition: NO_CONDITION,
    idempotencyKey: key,
    requestId: command.requestId,
    clientRequestId: command.clientRequestId,
    trigger: command.trigger,
    now: now(),
  };
  const selected = selectFailedTasks(read.job, read.listed, { ...filter, maxTasks: body.max_tasks, after: continuation?.after ?? null }, request, randomUUID);
  const job = read.job.job;
  if (body.dry_run) return { kind: 'bulkReactivated', result: dryRunResult(job.id, selected), replayed: false };

  await deps.hooks?.afterRead?.();
  const report = await commitInTransactions({ table, now, hooks: deps.hooks }, read.job, selected.changes, filter, request, deadline, stats);
  const result = resultOf(job.id, selected, report);
  if ('kind' in result) return result;
  if (remembered) await remember(table, jobId, key, fingerprint, result, deadline);
  return { kind: 'bulkReactivated', result, replayed: false };
}

function dryRunResult(jobId: string, selected: SelectedTasks): BulkReactivationResult {
  const ids = [...selected.replays.map((s) => s.task.id), ...selected.changes.map((c) => c.task.id)].sort(byKey((id) => id));
  return {
    job_id: jobId,
    dry_run: true,
    matched: ids.length,
    reactivated: ids,
    skipped: selected.skipped,
    continuation: selected.resumeAfter === null ? null : encodeContinuation(continuationAfter(jobId, selected.resumeAfter)),
  };
}

/**
 * The answer, covering the tasks up to the first transaction that did not start (the time budget
 * ran low). A continuation resumes after the last task of the settled prefix.
 */
function resultOf(jobId: string, selected: SelectedTasks, report: BulkCommitReport): BulkReactivationResult | Rejection | Fault {
  const { transactions, jobEnding } = report;
  // A transaction whose outcome stayed unknown may have committed: no answer can list what this call
  // did. The fault is the answer; a retry with the same key finds those rows as replays.
  const unknown = transactions.find((t) => isFault(t.status))?.status;
  if (unknown !== undefined && isFault(unknown)) return unknown;
  const firstUnsettled = transactions.findIndex((t) => t.status !== 'done');
  const unsettled = transactions[firstUnsettled];
  if (jobEnding !== null) {
    for (const t of transactions) if (t.status === 'not started') t.skipped.push(...t.changes.map((c) => ({ id: c.task.id, code: jobEnding.code, message: jobEnding.message })));
  }
  let cutKey: string | null = null;
  if (jobEnding === null && unsettled !== undefined) {
    const lastSettled = transactions[firstUnsettled - 1]?.changes.at(-1);
    // The first transaction always starts, so this is only a guard.
    if (lastSettled === undefined) return TIMED_OUT;
    cutKey = idKey(lastSettled.task.id);
  }
  const covered = (id: string): boolean => cutKey === null || idKey(id) <= cutKey;
  const committed = transactions.flatMap((t) => t.reactivated);
  // The job began to end before anything of this call landed: answer as the single call would.
  if (jobEnding !== null && committed.length === 0 && selected.replays.length === 0) return jobEnding;
  const raceSkipped = transactions.flatMap((t) => t.skipped);
  const reactivated = [...selected.replays.map((s) => s.task.id).filter(covered), ...committed].sort(byKey((id) => id));
  const skipped: SkippedTask[] = [...selected.skipped.filter((s) => covered(s.id)), ...raceSkipped].sort(byKey((s) => s.id));
  const continuation = cutKey ?? (jobEnding === null ? selected.resumeAfter : null);
  return {
    job_id: jobId,
    dry_run: false,
    matched: reactivated.length + raceSkipped.length,
    reactivated,
    skipped,
    continuation: continuation === null ? null : encodeContinuation(continuationAfter(jobId, continuation)),
  };
}

/** Storing the answer is best effort: without it a repeat still finds its own rows as replays. */
async function remember(table: TaskTable, jobId: string, key: string, fingerprint: string, result: BulkReactivationResult, deadline: Deadline): Promise<void> {
  try {
    await table.saveBulkResult(jobId, key, fingerprint, result, deadline.signal);
  } catch (error) {
    if (!(error instanceof StorageUnavailableError || error instanceof StorageDeadlineError)) throw error;
  }
}

import { createHash, randomUUID } from 'node:crypto';

import type { ReactivateFailedTasksBody } from '../domain/bulkRequest';
import type { BulkReactivationResult, SkippedTask } from '../domain/bulkResult';
import { bulkJobRefusal, selectFailedTasks, type BulkRequest, type SelectedTasks, type TaskFilter } from '../domain/bulkSelection';
import { continuationAfter, encodeContinuation } from '../domain/continuation';
import type { Trigger } from '../domain/history';
import { idKey } from '../domain/ids';
import type { ReactivationChange } from '../domain/reactivation';
import { reject, type Rejection } from '../domain/rejections';
import { NO_CONDITION } from '../domain/conditions';
import type { Outbox } from '../outbox/outbox';
import type { Retention } from '../retention/retention';
import { StorageDeadlineError, StorageUnavailableError } from '../storage/storageErrors';
import { commitInTransactions, type TransactionReport } from './bulkCommit';
import type { Clock } from './clock';
import type { Deadline } from './deadline';
import { invalidRequest, TIMED_OUT, type Fault, type InvalidRequest } from './outcomes';
import { retryUntilSettled, settled, type RetryStats } from './retryLoop';
import type { StoredBulkAnswer, TaskStore } from './taskStore';

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

  const read = await retryUntilSettled(deadline, stats, async () => {
    const [job, listed, stored] = await Promise.all([
      store.readJob(jobId, deadline.signal),
      // Named tasks are listed whole, to say why each one is not reactivated.
      store.listTasksAfter(jobId, { after: continuation?.after ?? null, failedOrCarrying: body.task_ids === undefined ? key : null }, deadline.signal),
      remembered ? store.readBulkAnswer(jobId, key, deadline.signal) : Promise.resolve(null),
    ]);
    return settled({ kind: 'read' as const, job, listed, stored });
  });
  if (read.kind === 'fault') return read;
  if (read.stored !== null) {
    if (read.stored.fingerprint === fingerprint) return { kind: 'bulkReactivated', result: read.stored.result, replayed: true };
    return invalidRequest('client-request-id', 'was already used for a different request to this job; send a fresh one');
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
    now,
  };
  const selected = selectFailedTasks(read.job, read.listed, { ...filter, maxTasks: body.max_tasks, after: continuation?.after ?? null }, request, randomUUID);
  const job = read.job.job;
  if (body.dry_run) return { kind: 'bulkReactivated', result: dryRunResult(job.id, selected), replayed: false };

  // What this call writes (history rows, its stored answer) must one day expire; a refusal or a dry
  // run writes nothing, so this comes only now.
  if (selected.changes.length > 0 || remembered) {
    const covered = await retryUntilSettled(deadline, stats, async () => {
      await deps.retention.cover(jobId, now, deadline.signal);
      return settled({ kind: 'covered' as const });
    });
    if (covered.kind === 'fault') return covered;
  }
  const { groups, reports } = await commitInTransactions(deps, read.job, selected.changes, filter, request, deadline, stats);
  const answered = answerOf(job.id, selected, groups, reports);
  if (answered.kind !== 'answer') return answered;
  if (remembered) await remember(store, jobId, key, { fingerprint, result: answered.result, savedAt: request.now.toISOString() }, deadline);
  return { kind: 'bulkReactivated', result: answered.result, replayed: false };
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
function answerOf(
  jobId: string,
  selected: SelectedTasks,
  groups: readonly ReactivationChange[][],
  reports: readonly (TransactionReport | undefined)[],
): { kind: 'answer'; result: BulkReactivationResult } | Rejection | Fault {
  // A transaction whose outcome stayed unknown may have committed: no answer can list what this call
  // did. The fault is the answer; a retry with the same key finds those rows as replays.
  for (const report of reports) if (report !== undefined && report.status !== 'done') return report.status;
  const ran = reports.filter((report): report is TransactionReport => report !== undefined);
  const jobEnding = ran.find((report) => report.jobEnding !== null)?.jobEnding ?? null;
  const notStarted = groups.filter((_, index) => reports[index] === undefined);
  let cutKey: string | null = null;
  if (jobEnding === null && notStarted.length > 0) {
    const lastSettled = ran.at(-1)?.changes.at(-1);
    // The first transaction always starts, so this is only a guard.
    if (lastSettled === undefined) return TIMED_OUT;
    cutKey = idKey(lastSettled.task.id);
  }
  const covered = (id: string): boolean => cutKey === null || idKey(id) <= cutKey;
  const committed = ran.flatMap((report) => report.reactivated);
  // The job began to end before anything of this call landed: answer as the single call would.
  if (jobEnding !== null && committed.length === 0 && selected.replays.length === 0) return jobEnding;
  const endedBefore: SkippedTask[] =
    jobEnding === null ? [] : notStarted.flatMap((group) => group.map((change) => ({ id: change.task.id, code: jobEnding.code, message: jobEnding.message })));
  const raceSkipped = [...ran.flatMap((report) => report.skipped), ...endedBefore];
  const reactivated = [...selected.replays.map((s) => s.task.id).filter(covered), ...committed].sort(byKey((id) => id));
  const skipped: SkippedTask[] = [...selected.skipped.filter((s) => covered(s.id)), ...raceSkipped].sort(byKey((s) => s.id));
  const continuation = cutKey ?? (jobEnding === null ? selected.resumeAfter : null);
  return {
    kind: 'answer',
    result: {
      job_id: jobId,
      dry_run: false,
      matched: reactivated.length + raceSkipped.length,
      reactivated,
      skipped,
      continuation: continuation === null ? null : encodeContinuation(continuationAfter(jobId, continuation)),
    },
  };
}

/** Storing the answer is best effort: without it a repeat still finds its own rows as replays. */
async function remember(store: TaskStore, jobId: string, key: string, answer: StoredBulkAnswer, deadline: Deadline): Promise<void> {
  try {
    await store.saveBulkAnswer(jobId, key, answer, deadline.signal);
  } catch (error) {
    if (!(error instanceof StorageUnavailableError || error instanceof StorageDeadlineError)) throw error;
  }
}

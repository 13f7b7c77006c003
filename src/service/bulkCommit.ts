import { randomUUID } from 'node:crypto';

import type { SkippedTask } from '../domain/bulkResult';
import { matchesFailureFilter, type BulkRequest, type TaskFilter } from '../domain/bulkSelection';
import { idKey } from '../domain/ids';
import type { JobSnapshot } from '../domain/job';
import { planReactivation, type ReactivationChange } from '../domain/reactivation';
import type { Rejection } from '../domain/rejections';
import { reactivationTransactions, type TaskTable } from '../storage/taskTable';
import type { Deadline } from './deadline';
import type { Fault } from './outcomes';
import { CONFLICT, isFault, retryUntilSettled, settled, type RetryStats } from './retryLoop';

/** Transactions in flight at once: enough to hide latency, few enough to stay under a partition's limits. */
const CONCURRENCY = 4;
/** Time kept back to store the answer and send it; no new transaction starts inside it. */
const MAX_RESERVE_MS = 1_000;

export interface BulkCommitHooks {
  /** Runs after each transaction settled, before its worker takes the next one. */
  afterTransaction?: (index: number) => Promise<void>;
}

export interface BulkCommitDeps {
  table: TaskTable;
  now: () => Date;
  hooks?: BulkCommitHooks;
}

/** What became of one transaction's reactivations. A fault leaves the outcome of its pending rows unknown. */
export interface TransactionReport {
  changes: ReactivationChange[];
  reactivated: string[];
  skipped: SkippedTask[];
  status: 'done' | 'not started' | Fault;
}

export interface BulkCommitReport {
  transactions: TransactionReport[];
  /** Set when a re-read found the job ending: nothing more was committed after that. */
  jobEnding: Rejection | null;
}

/** Refusals that hold for every task of the job: once one is seen, nothing more is committed. */
const JOB_ENDING_CODES = new Set(['JOB_NOT_FOUND', 'JOB_COMPLETED', 'JOB_BEING_TERMINATED', 'JOB_BEING_DELETED']);

/**
 * Commits planned reactivations of one job, grouped into transactions of up to 100 rows, in key
 * order. Every task row is written with `If-Match` on the ETag of the listing the plan was made on,
 * exactly as the single call writes it, so the race argument of the single call holds row by row:
 * a termination that stamped a row after the listing makes that row's `If-Match` fail, the whole
 * transaction commits nothing, and the row is re-read and re-planned (and refused on the stamp). The
 * other reactivations of the transaction are retried without it.
 */
export async function commitInTransactions(
  deps: BulkCommitDeps,
  job: JobSnapshot,
  changes: readonly ReactivationChange[],
  filter: TaskFilter,
  request: BulkRequest,
  deadline: Deadline,
  stats: RetryStats,
): Promise<BulkCommitReport> {
  const transactions: TransactionReport[] = reactivationTransactions(changes).map((group) => ({ changes: group, reactivated: [], skipped: [], status: 'not started' }));
  const report: BulkCommitReport = { transactions, jobEnding: null };
  const reserveMs = Math.min(MAX_RESERVE_MS, deadline.remainingMs() / 4);
  let next = 0;
  let faulted = false;
  // A transaction started now must also end before the reserve: as slow as the slowest one so far.
  let slowestMs = 0;
  // The first transaction always starts, so every call makes progress however short its budget.
  const take = (): number | undefined =>
    report.jobEnding !== null || faulted || next >= transactions.length || (next > 0 && deadline.remainingMs() <= reserveMs + slowestMs) ? undefined : next++;
  const worker = async (): Promise<void> => {
    for (let index = take(); index !== undefined; index = take()) {
      const transaction = transactions[index];
      if (transaction === undefined) return;
      const started = performance.now();
      transaction.status = await commitTransaction(deps, job, transaction, report, filter, request, deadline, stats);
      slowestMs = Math.max(slowestMs, performance.now() - started);
      if (transaction.status !== 'done') faulted = true;
      await deps.hooks?.afterTransaction?.(index);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return report;
}

async function commitTransaction(
  deps: BulkCommitDeps,
  job: JobSnapshot,
  transaction: TransactionReport,
  report: BulkCommitReport,
  filter: TaskFilter,
  request: BulkRequest,
  deadline: Deadline,
  stats: RetryStats,
): Promise<'done' | Fault> {
  let pending = transaction.changes;
  // An attempt that failed with a fault may have committed: its rows must be read before they can be
  // called skipped, because some of them may carry this request's key (reactivated after all).
  let uncertain = false;
  const skip = (id: string, refusal: { code: SkippedTask['code']; message: string }): void => {
    transaction.skipped.push({ id, code: refusal.code, message: refusal.message });
  };
  /**
   * Re-reads every pending row at once and decides each afresh: one range query (a transaction is a
   * run of tasks in key order) and the job row, so a refusal names the job's state as it is now, as
   * the single call does. One round per conflict, however many rows moved.
   */
  const reread = async (): Promise<void> => {
    const keys = pending.map((change) => idKey(change.task.id)).sort();
    const [freshJob, rows] = await Promise.all([
      deps.table.readJob(job.job.id, deadline.signal),
      deps.table.listTaskRange(job.job.id, keys[0] ?? '', keys.at(-1) ?? '', deadline.signal),
    ]);
    const fresh = new Map(rows.map((snapshot) => [idKey(snapshot.task.id), snapshot]));
    pending = pending.flatMap((change): ReactivationChange[] => {
      const plan = planReactivation(freshJob, fresh.get(idKey(change.task.id)) ?? null, { ...request, eventId: randomUUID(), now: deps.now() });
      if (plan.kind === 'replay') transaction.reactivated.push(change.task.id);
      else if (plan.kind === 'rejection') {
        if (JOB_ENDING_CODES.has(plan.code)) report.jobEnding ??= plan;
        skip(change.task.id, plan);
      } else if (!matchesFailureFilter(plan.from.task, filter)) {
        skip(change.task.id, { code: 'FILTERED_OUT', message: 'The task failed again meanwhile, with a failure the request does not list.' });
      } else return [plan];
      return [];
    });
    uncertain = false;
  };
  const outcome = await retryUntilSettled(deadline, stats, async () => {
    if (report.jobEnding !== null && uncertain) await reread();
    if (report.jobEnding !== null) {
      for (const change of pending) skip(change.task.id, report.jobEnding);
      pending = [];
    }
    if (pending.length === 0) return settled('done' as const);
    let committed: boolean;
    try {
      committed = (await deps.table.commitReactivations(pending, request.idempotencyKey, deadline.signal)).committed;
    } catch (error) {
      uncertain = true;
      throw error;
    }
    if (committed) {
      transaction.reactivated.push(...pending.map((change) => change.task.id));
      pending = [];
      return settled('done' as const);
    }
    await reread();
    return CONFLICT;
  });
  return isFault(outcome) ? outcome : 'done';
}

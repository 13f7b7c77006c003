import { randomUUID } from 'node:crypto';

import type { SkippedTask } from '../domain/bulkResult';
import { matchesFailureFilter, type BulkRequest, type TaskFilter } from '../domain/bulkSelection';
import { chunksOf } from '../domain/chunks';
import { idKey } from '../domain/ids';
import type { JobSnapshot } from '../domain/job';
import { planReactivation, type ReactivationChange } from '../domain/reactivation';
import type { Rejection } from '../domain/rejections';
import type { EventDelivery, Outbox, PendingEvents } from '../outbox/outbox';
import type { Clock } from './clock';
import type { Deadline } from './deadline';
import { inFlight } from './inFlight';
import type { Fault } from './outcomes';
import { CONFLICT, retryUntilSettled, settled, type RetryStats } from './retryLoop';
import type { TaskStore } from './taskStore';

/** Transactions in flight at once: enough to hide latency, few enough to stay under a partition's limits. */
const CONCURRENCY = 4;
/** Time kept back to store the answer and send it; no new transaction starts inside it. */
const MAX_RESERVE_MS = 1_000;

export interface BulkCommitDeps {
  store: TaskStore;
  outbox: Outbox;
  clock: Clock;
}

/** What became of one transaction's reactivations. A fault leaves the outcome of its pending rows unknown. */
export interface TransactionReport {
  changes: readonly ReactivationChange[];
  reactivated: string[];
  skipped: SkippedTask[];
  status: 'done' | Fault;
  /** Set when a re-read found the job ending: this transaction committed nothing more after that. */
  jobEnding: Rejection | null;
  /** What became of the events of what this transaction committed; null when it committed nothing. */
  events: EventDelivery | null;
}

/** Refusals that hold for every task of the job: once one is seen, nothing more is committed. */
const JOB_ENDING_CODES = new Set(['JOB_NOT_FOUND', 'JOB_COMPLETED', 'JOB_BEING_TERMINATED', 'JOB_BEING_DELETED']);

/**
 * Commits planned reactivations of one job, grouped into atomic commits, in key order, a few in
 * flight. Every task row is written conditional on the version of the listing the plan was made
 * on, exactly as the single call writes it, so the race argument of the single call holds row by
 * row: a termination that stamped a row after the listing makes that commit lose its race and
 * commit nothing; its rows are re-read and re-planned (and refused on the stamp), and the others
 * retried without them. No transaction starts once one found the job ending or met a fault, nor
 * when the time budget could not cover one more as slow as the slowest so far. The result has one
 * report per transaction that ran, in order; `undefined` for the ones that did not start.
 */
export async function commitInTransactions(
  deps: BulkCommitDeps,
  job: JobSnapshot,
  changes: readonly ReactivationChange[],
  filter: TaskFilter,
  request: BulkRequest,
  deadline: Deadline,
  stats: RetryStats,
): Promise<{ groups: ReactivationChange[][]; reports: (TransactionReport | undefined)[] }> {
  const groups = chunksOf(changes, deps.store.reactivationsPerCommit);
  const reserveMs = Math.min(MAX_RESERVE_MS, deadline.remainingMs() / 4);
  const reports = await inFlight(groups, (group) => commitTransaction(deps, job, group, filter, request, deadline, stats), {
    concurrency: CONCURRENCY,
    stopsTheRest: (report) => report.status !== 'done' || report.jobEnding !== null,
    mayStart: (slowestMs) => deadline.remainingMs() > reserveMs + slowestMs,
  });
  return { groups, reports };
}

async function commitTransaction(
  deps: BulkCommitDeps,
  job: JobSnapshot,
  changes: readonly ReactivationChange[],
  filter: TaskFilter,
  request: BulkRequest,
  deadline: Deadline,
  stats: RetryStats,
): Promise<TransactionReport> {
  let pending = changes;
  const reactivated: string[] = [];
  const skipped: SkippedTask[] = [];
  let jobEnding: Rejection | null = null;
  const skip = (id: string, refusal: { code: SkippedTask['code']; message: string }): void => {
    skipped.push({ id, code: refusal.code, message: refusal.message });
  };
  /**
   * Re-reads every pending row at once and decides each afresh: one range query (a transaction is a
   * run of tasks in key order) and the job row, so a refusal names the job's state as it is now, as
   * the single call does. One round per conflict, however many rows moved.
   */
  const reread = async (): Promise<void> => {
    const keys = pending.map((change) => idKey(change.task.id)).sort();
    const [freshJob, rows] = await Promise.all([
      deps.store.readJob(job.job.id, deadline.signal),
      deps.store.listTaskRange(job.job.id, keys[0] ?? '', keys.at(-1) ?? '', deadline.signal),
    ]);
    const fresh = new Map(rows.map((snapshot) => [idKey(snapshot.task.id), snapshot]));
    pending = pending.flatMap((change): ReactivationChange[] => {
      const plan = planReactivation(freshJob, fresh.get(idKey(change.task.id)) ?? null, { ...request, eventId: randomUUID(), now: deps.clock() });
      if (plan.kind === 'replay') reactivated.push(change.task.id);
      else if (plan.kind === 'rejection') {
        if (JOB_ENDING_CODES.has(plan.code)) jobEnding ??= plan;
        skip(change.task.id, plan);
      } else if (!matchesFailureFilter(plan.from.task, filter)) {
        skip(change.task.id, { code: 'FILTERED_OUT', message: 'The task failed again meanwhile, with a failure the request does not list.' });
      } else return [plan];
      return [];
    });
  };
  // Before the first commit, the delayed check that covers these tasks' events whatever happens.
  let check: PendingEvents | undefined;
  const deliveries: EventDelivery[] = [];
  // A commit that failed with a fault may have landed: it is tried again as it was, and if it had
  // landed the retry loses its race, and the re-read finds this request's key on the rows.
  const outcome = await retryUntilSettled(deadline, stats, async () => {
    if (jobEnding !== null) {
      const refusal: Rejection = jobEnding;
      for (const change of pending) skip(change.task.id, refusal);
      pending = [];
    }
    if (pending.length === 0) return settled({ kind: 'done' as const });
    check ??= await deps.outbox.open(job.job.id, changes.map((change) => change.task.id), request.idempotencyKey, deadline.signal);
    const commit = await deps.store.commitReactivations(pending, request.idempotencyKey, deadline.signal);
    if (commit.kind === 'committed') {
      const committed = pending.map((change, index) => ({ history: change.history, taskEtag: commit.rows[index]?.taskEtag ?? null, outbox: commit.rows[index]?.outbox }));
      // A replay found by a re-read is a commit of this request whose answer was lost: its events
      // were never sent, and the check, kept, sends them.
      deliveries.push(await check.publish(committed, deadline.signal, reactivated.length > 0));
      reactivated.push(...pending.map((change) => change.task.id));
      pending = [];
      return settled({ kind: 'done' as const });
    }
    await reread();
    return CONFLICT;
  });
  // Every change was refused or replayed before any commit of this transaction could land.
  if (outcome.kind !== 'fault' && deliveries.length === 0 && reactivated.length === 0) check?.drop();
  const events = deliveries.length === 0 ? null : deliveries.every((delivery) => delivery === 'published') ? 'published' : 'left to the check';
  return { changes, reactivated, skipped, status: outcome.kind === 'fault' ? outcome : 'done', jobEnding, events };
}

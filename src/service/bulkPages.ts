import { randomUUID } from 'node:crypto';

import type { SkippedTask } from '../domain/bulkResult';
import { bulkJobRefusal, selectFailedTasks, type BulkRequest, type SelectedTasks, type TaskFilter } from '../domain/bulkSelection';
import { idKey } from '../domain/ids';
import type { JobSnapshot } from '../domain/job';
import { reject, type Rejection } from '../domain/rejections';
import { commitInTransactions, type BulkCommitDeps } from './bulkCommit';
import type { Deadline } from './deadline';
import { TIMED_OUT, type Fault } from './outcomes';
import { retryUntilSettled, settled, type RetryStats } from './retryLoop';
import type { TaskListing, TaskPage } from './taskStore';

/** Time kept back to store the answer and send it; no new page starts inside it. */
const MAX_RESERVE_MS = 1_000;

/** A bulk call over the pages of its listing, from the first page, read with the job row. */
export interface PagedSelection {
  job: JobSnapshot;
  first: TaskPage;
  listing: TaskListing;
  filter: TaskFilter;
  maxTasks: number;
  dryRun: boolean;
  request: BulkRequest;
  deadline: Deadline;
}

/** What the call did, in key order; `continuation` is the key of the last task covered when it stopped before the end. */
export interface PagedAnswer {
  kind: 'answer';
  reactivated: string[];
  skipped: SkippedTask[];
  matched: number;
  continuation: string | null;
}

/** What one page came to. `cut`: the key the page's work stopped after (the time budget ran low). */
interface PageResult {
  kind: 'page';
  reactivated: string[];
  skipped: SkippedTask[];
  raceSkipped: number;
  cut: string | null;
  jobEnding: Rejection | null;
}

/**
 * How many rows to ask for: no more than could still be selected, plus one, to see whether the
 * selection stops before the end of the job; every row of the job when tasks are named.
 */
export function pageSizeFor(maxRows: number, remaining: number, named: boolean): number {
  return named ? maxRows : Math.min(maxRows, remaining + 1);
}

/**
 * Streams a bulk reactivation over its listing: a page is listed, decided, and its transactions
 * committed before the next page is read (with the job row again, so a termination that began
 * meanwhile stops the call). It stops at the page that fills `maxTasks`, at the end of the job,
 * when the job is found ending, or when the time left would not cover another page as slow as the
 * slowest so far; a continuation then resumes after the last task covered.
 */
export async function reactivatePages(deps: BulkCommitDeps, input: PagedSelection, stats: RetryStats): Promise<PagedAnswer | Rejection | Fault> {
  const { filter, request, deadline, listing } = input;
  const named = filter.taskIds !== null;
  const reserveMs = Math.min(MAX_RESERVE_MS, deadline.remainingMs() / 4);
  let { job, first: page } = input;
  let pageStart = listing.after;
  let remaining = input.maxTasks;
  let slowestMs = 0;
  const answer: PagedAnswer = { kind: 'answer', reactivated: [], skipped: [], matched: 0, continuation: null };
  let jobEnding: Rejection | null = null;
  const finish = (): PagedAnswer | Rejection => {
    // The job began to end before anything of this call landed: answer as the single call would.
    if (jobEnding !== null && answer.reactivated.length === 0) return jobEnding;
    const byKey = (a: string, b: string): number => (idKey(a) < idKey(b) ? -1 : idKey(a) > idKey(b) ? 1 : 0);
    answer.reactivated.sort(byKey);
    answer.skipped.sort((a, b) => byKey(a.id, b.id));
    return answer;
  };
  for (;;) {
    const started = performance.now();
    const lastRow = page.tasks.at(-1);
    if (lastRow !== undefined) {
      const through = page.resume === null ? null : idKey(lastRow.task.id);
      const ending = bulkJobRefusal(job, page.tasks);
      const selected = selectFailedTasks(job, page.tasks, { ...filter, maxTasks: remaining, after: pageStart, through }, request, randomUUID);
      const result = ending !== null ? endedBefore(selected, ending) : input.dryRun ? wouldDo(selected) : await commitPage(deps, job, selected, filter, request, deadline, stats);
      if (result.kind === 'fault') return result;
      answer.reactivated.push(...result.reactivated);
      answer.skipped.push(...result.skipped);
      answer.matched += result.reactivated.length + result.raceSkipped;
      remaining -= selected.changes.length + selected.replays.length;
      if (result.jobEnding !== null) {
        jobEnding = result.jobEnding;
        answer.continuation = null;
        return finish();
      }
      answer.continuation = result.cut ?? selected.resumeAfter;
      if (answer.continuation !== null || through === null) return finish();
      pageStart = through;
      answer.continuation = through;
      if (remaining <= 0) return finish();
      slowestMs = Math.max(slowestMs, performance.now() - started);
      if (deadline.remainingMs() <= reserveMs + slowestMs) return finish();
    } else if (page.resume === null) {
      answer.continuation = null;
      return finish();
    }
    const size = pageSizeFor(deps.store.maxRowsPerPage, remaining, named);
    const resume = page.resume;
    const next = await retryUntilSettled(deadline, stats, async () => {
      const [fresh, listed] = await Promise.all([
        deps.store.readJob(job.job.id, deadline.signal),
        deps.store.listTaskPage(job.job.id, listing, { size, resume }, deadline.signal),
      ]);
      return settled({ kind: 'page' as const, fresh, listed });
    });
    // Whatever this call did before stands; the continuation resumes after it.
    if (next.kind === 'fault') return pageStart === listing.after ? next : finish();
    if (next.fresh === null) {
      jobEnding = reject('JOB_NOT_FOUND', 'The job does not exist.');
      answer.continuation = null;
      return finish();
    }
    job = next.fresh;
    page = next.listed;
  }
}

/**
 * Commits a page's planned reactivations; the result covers the tasks up to the first transaction
 * that did not start (the time budget ran low).
 */
async function commitPage(
  deps: BulkCommitDeps,
  job: JobSnapshot,
  selected: SelectedTasks,
  filter: TaskFilter,
  request: BulkRequest,
  deadline: Deadline,
  stats: RetryStats,
): Promise<PageResult | Fault> {
  const { groups, reports } = await commitInTransactions(deps, job, selected.changes, filter, request, deadline, stats);
  // A transaction whose outcome stayed unknown may have committed: no answer can list what this call
  // did. The fault is the answer; a retry with the same key finds those rows as replays.
  for (const report of reports) if (report !== undefined && report.status !== 'done') return report.status;
  const ran = reports.filter((report) => report !== undefined);
  const jobEnding = ran.find((report) => report.jobEnding !== null)?.jobEnding ?? null;
  const notStarted = groups.filter((_, index) => reports[index] === undefined);
  let cut: string | null = null;
  if (jobEnding === null && notStarted.length > 0) {
    const lastSettled = ran.at(-1)?.changes.at(-1);
    // The first transaction always starts, so this is only a guard.
    if (lastSettled === undefined) return TIMED_OUT;
    cut = idKey(lastSettled.task.id);
  }
  const covered = (id: string): boolean => cut === null || idKey(id) <= cut;
  const endedBefore: SkippedTask[] =
    jobEnding === null ? [] : notStarted.flatMap((group) => group.map((change) => ({ id: change.task.id, code: jobEnding.code, message: jobEnding.message })));
  const raceSkipped = [...ran.flatMap((report) => report.skipped), ...endedBefore];
  return {
    kind: 'page',
    reactivated: [...selected.replays.map((s) => s.task.id).filter(covered), ...ran.flatMap((report) => report.reactivated)],
    skipped: [...selected.skipped.filter((s) => covered(s.id)), ...raceSkipped],
    raceSkipped: raceSkipped.length,
    cut,
    jobEnding,
  };
}

/** A page whose rows show the job ending (a stamp): none of its tasks is reactivated, each matched one is skipped with the job's code. */
function endedBefore(selected: SelectedTasks, ending: Rejection): PageResult {
  const raceSkipped = selected.changes.map((change) => ({ id: change.task.id, code: ending.code, message: ending.message }));
  return { kind: 'page', reactivated: selected.replays.map((s) => s.task.id), skipped: [...selected.skipped, ...raceSkipped], raceSkipped: raceSkipped.length, cut: null, jobEnding: ending };
}

/** A dry run's page: what would be reactivated. */
function wouldDo(selected: SelectedTasks): PageResult {
  return { kind: 'page', reactivated: [...selected.replays.map((s) => s.task.id), ...selected.changes.map((c) => c.task.id)], skipped: selected.skipped, raceSkipped: 0, cut: null, jobEnding: null };
}

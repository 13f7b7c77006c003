import { idKey } from '../domain/ids';
import type { JobSnapshot } from '../domain/job';
import type { TaskSnapshot } from '../domain/task';
import { afterPage, type SweptPage } from '../domain/termination';
import { sweepMessage } from '../queue/sweepMessage';
import type { Clock } from './clock';
import { Deadline } from './deadline';
import type { Fault } from './outcomes';
import type { Queue } from './queue';
import { faultOf, retryUntilSettled, settled, type RetryStats } from './retryLoop';
import { sweepRows } from './sweepTasks';
import type { PageRequest, TaskStore } from './taskStore';

export interface SweepSettings {
  /** Task rows listed per page (Table Storage returns at most 1,000); a page's rows are written before the cursor moves past it. */
  pageSize: number;
  /**
   * How long the termination's safety message stays hidden (D_T): longer than the terminate call
   * can live (its 30 s deadline) plus the 30 s storage may take over a write it already received,
   * so that no sweeper can read the job row before the call's last write to it has landed or failed.
   * Also how long a sweep may show no progress before a new terminate call starts it again.
   */
  safetyDelaySeconds: number;
  /** How long a sweep message taken from the poison queue waits before it is tried again. */
  resumeDelaySeconds: number;
  /** What one delivery of a sweep message may spend, well inside the host's visibility of the message. */
  workerBudgetMs: number;
}

export const DEFAULT_SWEEP_SETTINGS: SweepSettings = { pageSize: 1_000, safetyDelaySeconds: 300, resumeDelaySeconds: 60, workerBudgetMs: 30_000 };

export interface SweepDeps {
  store: TaskStore;
  clock: Clock;
  /** The queue of sweep messages (`job-sweeps`). */
  sweeps: Queue;
  sweep: SweepSettings;
}

/**
 * Where a run of pages ended: the job completed (by this run or another sweeper); the budget ended
 * with pages left (`paused`); the job is not being terminated (gone, or a termination that never
 * took); or a fault stopped it, with the job row as last seen.
 */
export type SweepRun =
  | { kind: 'completed'; job: JobSnapshot }
  | { kind: 'paused'; job: JobSnapshot }
  | { kind: 'notTerminating'; job: JobSnapshot | null }
  | { kind: 'faulted'; fault: Fault; job: JobSnapshot };

/** What one delivery of a sweep message ended with; a fault means the delivery must fail. */
export type SweepOutcome = Exclude<SweepRun, { kind: 'faulted' }> | Fault;

/** Time kept back at the end of a worker's budget for the message that hands the rest on. */
const MAX_HANDOVER_RESERVE_MS = 2_000;

/**
 * Sweeps a terminating job page by page from the cursor its row shows: lists a page, writes every
 * row of it, and only then moves the cursor past it (or, after the last page, completes the job),
 * If-Match on the job row the page began from. A page is redone whole after a crash, and rows done
 * already cost nothing. Losing the If-Match means another sweeper moved the row: this one reads it
 * again and goes on from the cursor it shows, never stops, because the other may die right after.
 * `mayStart` is asked before each page with the longest page so far and the pages done.
 */
export async function sweepPages(
  deps: SweepDeps,
  from: JobSnapshot,
  deadline: Deadline,
  stats: RetryStats,
  mayStart: (slowestMs: number, pagesDone: number) => boolean,
): Promise<SweepRun> {
  const jobId = from.job.id;
  let seen = from;
  let slowestMs = 0;
  for (let pages = 0; ; pages += 1) {
    if (seen.job.state === 'completed') return { kind: 'completed', job: seen };
    if (seen.job.state !== 'terminating') return { kind: 'notTerminating', job: seen };
    if (!mayStart(slowestMs, pages)) return { kind: 'paused', job: seen };
    const started = performance.now();
    const page = await sweepPage(deps, seen, deadline, stats);
    if (page.kind === 'fault') return { kind: 'faulted', fault: page, job: seen };
    const next = afterPage(seen, page, deps.clock());
    const base = seen;
    const moved = await retryUntilSettled(deadline, stats, async () => {
      const write = await deps.store.writeJob(next, base.etag, deadline.signal);
      if (write.kind === 'written') return settled({ kind: 'row' as const, row: { ...next, etag: write.etag } });
      stats.conflicts += 1;
      return settled({ kind: 'row' as const, row: await deps.store.readJob(jobId, deadline.signal) });
    });
    if (moved.kind === 'fault') return { kind: 'faulted', fault: moved, job: seen };
    if (moved.row === null) return { kind: 'notTerminating', job: null };
    seen = moved.row;
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
}

/** Lists the page after the cursor and writes every row of it. */
async function sweepPage(deps: SweepDeps, row: JobSnapshot, deadline: Deadline, stats: RetryStats): Promise<(SweptPage & { kind: 'page' }) | Fault> {
  const jobId = row.job.id;
  let tasks: TaskSnapshot[];
  let resume: string | null = null;
  // Storage may answer an empty page that is not the last (its time per request ran out): only a
  // page without a continuation ends the listing, so an empty one with a continuation is followed.
  do {
    const page: PageRequest = { size: Math.min(deps.sweep.pageSize, deps.store.maxRowsPerPage), resume };
    const listed = await retryUntilSettled(deadline, stats, async () =>
      settled({ kind: 'listed' as const, page: await deps.store.listTaskPage(jobId, { after: row.sweptThrough, rows: { kind: 'all' } }, page, deadline.signal) }),
    );
    if (listed.kind === 'fault') return listed;
    ({ tasks, resume } = listed.page);
  } while (tasks.length === 0 && resume !== null);
  const fault = await sweepRows(deps, jobId, tasks, deadline, stats);
  if (fault !== null) return fault;
  const lastTask = tasks.at(-1);
  return { kind: 'page', rows: tasks.length, lastKey: lastTask === undefined ? null : idKey(lastTask.task.id), last: resume === null };
}

/**
 * One delivery of a sweep message: sweeps pages while its budget lasts, then, if pages are left,
 * hands over with one new message before this one is done. A fault is returned, and the caller
 * must fail the delivery so that the message comes back; the job row's cursor keeps the work done.
 */
export async function sweepJob(deps: SweepDeps, jobId: string, deadline: Deadline, stats: RetryStats): Promise<SweepOutcome> {
  const read = await retryUntilSettled(deadline, stats, async () => settled({ kind: 'read' as const, job: await deps.store.readJob(jobId, deadline.signal) }));
  if (read.kind === 'fault') return read;
  if (read.job === null) return { kind: 'notTerminating', job: null };
  const pages = deadline.shortenedBy(Math.min(MAX_HANDOVER_RESERVE_MS, deadline.remainingMs() / 4));
  // The first page always starts, so every delivery makes progress; later ones only when the
  // budget left covers one more as slow as the slowest so far.
  const run = await sweepPages(deps, read.job, pages, stats, (slowestMs, done) => done === 0 || pages.remainingMs() > slowestMs);
  if (run.kind === 'faulted') return run.fault;
  if (run.kind !== 'paused') return run;
  const handedOver = await faultOf(() => deps.sweeps.send(sweepMessage(jobId), deadline.signal));
  return handedOver ?? run;
}

/**
 * A sweep message that failed delivery after delivery lands on the poison queue, and the host
 * never retries it there: it is sent again, after a pause, so the sweep never stops for good. If
 * that send fails too, the poisoned message is simply delivered again.
 */
export async function resumePoisonedSweep(deps: Pick<SweepDeps, 'sweeps' | 'sweep'>, jobId: string, signal?: AbortSignal): Promise<void> {
  await deps.sweeps.sendLater(sweepMessage(jobId), deps.sweep.resumeDelaySeconds, signal);
}

/** A worker's budget for one delivery. */
export function workerDeadline(settings: SweepSettings): Deadline {
  return new Deadline(settings.workerBudgetMs);
}

import type { SkippedTask } from './bulkResult';
import { idKey } from './ids';
import type { JobSnapshot } from './job';
import { jobStateRefusal, planReactivation, type ReactivationChange, type ReactivationRequest } from './reactivation';
import type { Rejection } from './rejections';
import { furthestJobState } from './states';
import type { Task, TaskSnapshot } from './task';

/** The filter of a bulk reactivation; null means "not given". Filters combine with AND. */
export interface TaskFilter {
  taskIds: readonly string[] | null;
  failureCodes: readonly string[] | null;
  exitCodes: readonly number[] | null;
}

export interface BulkSelection extends TaskFilter {
  maxTasks: number;
  /** Key (lower-cased id) of the last task an earlier call (or page) covered; only tasks after it count. */
  after: string | null;
  /**
   * Key of the last task row the listing reaches, when more rows follow it (a page of a longer
   * listing); null when it reaches the end of the job. A named task past it is judged with the
   * page that holds it, not reported missing from this one.
   */
  through: string | null;
}

/**
 * A bulk call's request, shared by all its reactivations; each reactivation gets an event id of its
 * own, because each emits its own `task.reactivated` event.
 */
export type BulkRequest = Omit<ReactivationRequest, 'eventId'>;

/** What one bulk call does with one listing (a page) of the job's tasks. */
export interface SelectedTasks {
  /** Failed tasks that match, each planned exactly as the single call plans it; in key order. */
  changes: ReactivationChange[];
  /** Tasks this very request already reactivated (a repeated call, or a lost response). */
  replays: TaskSnapshot[];
  /** Tasks named in `task_ids` that will not be reactivated, with the reason. */
  skipped: SkippedTask[];
  /** Key of the last task covered when `maxTasks` stopped the selection before the end; else null. */
  resumeAfter: string | null;
}

/** The failure filter alone: a task with no failure info or no exit code never matches that list. */
export function matchesFailureFilter(task: Task, filter: Pick<TaskFilter, 'failureCodes' | 'exitCodes'>): boolean {
  if (filter.failureCodes !== null && (task.failure_info === null || !filter.failureCodes.includes(task.failure_info.code))) return false;
  if (filter.exitCodes !== null && (task.exit_code === null || !filter.exitCodes.includes(task.exit_code))) return false;
  return true;
}

/**
 * The job state that decides for the whole call: the furthest of the job row's state and every
 * task row's stamp. A stamp is only ever written by a termination, so one stamped row is enough to
 * know the job is ending, even when the job row was read just before the termination began.
 */
export function bulkJobRefusal(job: JobSnapshot, listed: readonly TaskSnapshot[]): Rejection | null {
  const state = listed.reduce((furthest, snapshot) => furthestJobState(furthest, snapshot.jobStamp), job.job.state);
  return jobStateRefusal(state);
}

type Entry = { key: string; id: string; snapshot: TaskSnapshot | null; named: boolean };
type Judgement = { kind: 'change'; change: ReactivationChange } | { kind: 'replay'; snapshot: TaskSnapshot } | { kind: 'skip'; skip: SkippedTask } | { kind: 'ignore' };

function judge(job: JobSnapshot, entry: Entry, filter: TaskFilter, request: ReactivationRequest): Judgement {
  if (entry.snapshot === null) return { kind: 'skip', skip: { id: entry.id, code: 'TASK_NOT_FOUND', message: 'The task does not exist in this job.' } };
  const plan = planReactivation(job, entry.snapshot, request);
  const id = entry.snapshot.task.id;
  if (plan.kind === 'replay') return { kind: 'replay', snapshot: plan.current };
  if (plan.kind === 'rejection') return entry.named ? { kind: 'skip', skip: { id, code: plan.code, message: plan.message } } : { kind: 'ignore' };
  if (matchesFailureFilter(plan.from.task, filter)) return { kind: 'change', change: plan };
  return entry.named
    ? { kind: 'skip', skip: { id, code: 'FILTERED_OUT', message: 'The task failed, but not with a failure code or exit code the request lists.' } }
    : { kind: 'ignore' };
}

/** The tasks the call looks at, in key order: the named ones (found or not), or every listed task. */
function entriesOf(listed: readonly TaskSnapshot[], taskIds: readonly string[] | null): Entry[] {
  const byKey = new Map(listed.map((snapshot) => [idKey(snapshot.task.id), snapshot]));
  const entries: Entry[] =
    taskIds === null
      ? listed.map((snapshot) => ({ key: idKey(snapshot.task.id), id: snapshot.task.id, snapshot, named: false }))
      : [...new Map(taskIds.map((id) => [idKey(id), id])).entries()].map(([key, id]) => ({ key, id, snapshot: byKey.get(key) ?? null, named: true }));
  return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Selects a job's failed tasks for reactivation, in key order, after `after`, up to `maxTasks`
 * matches. Each task is planned by `planReactivation`, so the bulk call applies exactly the rules of
 * the single call; the filter then narrows the changes. A task this request already reactivated is
 * a replay whatever the filter says, because its failure was cleared by that reactivation.
 */
export function selectFailedTasks(
  job: JobSnapshot,
  listed: readonly TaskSnapshot[],
  selection: BulkSelection,
  request: BulkRequest,
  newEventId: () => string,
): SelectedTasks {
  const selected: SelectedTasks = { changes: [], replays: [], skipped: [], resumeAfter: null };
  const { after, through } = selection;
  let previousKey: string | null = null;
  for (const entry of entriesOf(listed, selection.taskIds)) {
    if (after !== null && entry.key <= after) continue;
    if (through !== null && entry.key > through) break;
    const judgement = judge(job, entry, selection, { ...request, eventId: newEventId() });
    if (judgement.kind === 'ignore') continue;
    if (judgement.kind !== 'skip' && selected.changes.length + selected.replays.length >= selection.maxTasks) {
      selected.resumeAfter = previousKey;
      break;
    }
    if (judgement.kind === 'change') selected.changes.push(judgement.change);
    else if (judgement.kind === 'replay') selected.replays.push(judgement.snapshot);
    else selected.skipped.push(judgement.skip);
    previousKey = entry.key;
  }
  return selected;
}

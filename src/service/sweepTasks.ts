import type { TaskSnapshot } from '../domain/task';
import { sweptTask, TERMINATION_STAMP } from '../domain/termination';
import { MAX_TRANSACTION_ROWS, type SweepItem, type TaskTable } from '../storage/taskTable';
import type { Deadline } from './deadline';
import { isFault, retryUntilSettled, settled, CONFLICT, type RetryStats } from './retryLoop';
import type { Fault } from './outcomes';

/** Sweep batches in flight at once: enough to hide latency, few enough to stay under a partition's limits. */
const SWEEP_CONCURRENCY = 4;

export interface SweepHooks {
  /** Runs after the sweep listed the job's tasks and before it writes any of them. */
  afterSweepRead?: () => Promise<void>;
}

export interface SweepDeps {
  table: TaskTable;
  now: () => Date;
  hooks?: SweepHooks;
}

/**
 * Stamps every task row of a terminating job and ends every task not yet completed, in
 * transactions of up to 100 rows, each row `If-Match` on the ETag just listed. A batch that loses
 * an ETag (a reactivation committed meanwhile) re-reads its rows and tries again, so the task that
 * was reactivated is found active and ended.
 */
export async function sweepTasks(deps: SweepDeps, jobId: string, deadline: Deadline, stats: RetryStats): Promise<Fault | null> {
  const listed = await retryUntilSettled(deadline, stats, async () => settled(await deps.table.listTasks(jobId, deadline.signal)));
  if (isFault(listed)) return listed;
  await deps.hooks?.afterSweepRead?.();
  const work = listed.flatMap((snapshot) => sweepItemOf(snapshot, deps.now()) ?? []);
  const batches: SweepItem[][] = [];
  for (let start = 0; start < work.length; start += MAX_TRANSACTION_ROWS) batches.push(work.slice(start, start + MAX_TRANSACTION_ROWS));

  let firstFault: Fault | null = null;
  const next = (): SweepItem[] | undefined => (firstFault === null ? batches.shift() : undefined);
  const worker = async (): Promise<void> => {
    for (let batch = next(); batch !== undefined; batch = next()) {
      const result = await commitBatch(deps, jobId, batch, deadline, stats);
      if (result !== null) firstFault ??= result;
    }
  };
  await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker));
  return firstFault;
}

async function commitBatch(deps: SweepDeps, jobId: string, initial: SweepItem[], deadline: Deadline, stats: RetryStats): Promise<Fault | null> {
  let items = initial;
  const outcome = await retryUntilSettled(deadline, stats, async () => {
    const [first, last] = [items[0], items.at(-1)];
    if (first === undefined || last === undefined) return settled(null);
    const result = await deps.table.commitSweep(items, deadline.signal);
    if (result.committed) return settled(null);
    // Some row moved since it was listed: a reactivation committed, or this very batch committed
    // and lost its response, so that the SDK's retry lost its own If-Match on every row. Re-read the
    // batch's whole key range in one query (a batch is a slice of the listing, so its rows are
    // contiguous) and decide every row afresh, rather than one 412 and one backoff per moved row.
    const fresh = await deps.table.listTaskRange(jobId, first.snapshot.task.id, last.snapshot.task.id, deadline.signal);
    items = fresh.flatMap((snapshot) => sweepItemOf(snapshot, deps.now()) ?? []);
    return CONFLICT;
  });
  return isFault(outcome) ? outcome : null;
}

/** What the sweep still has to write on a row it read: nothing when the row is done already. */
function sweepItemOf(snapshot: TaskSnapshot, now: Date): SweepItem | null {
  const task = sweptTask(snapshot, now);
  return task === null ? null : { snapshot, task, stamp: TERMINATION_STAMP };
}

import { chunksOf } from '../domain/chunks';
import type { TaskSnapshot } from '../domain/task';
import { sweptTask, TERMINATION_STAMP } from '../domain/termination';
import type { Clock } from './clock';
import type { Deadline } from './deadline';
import { inFlight } from './inFlight';
import type { Fault } from './outcomes';
import { CONFLICT, retryUntilSettled, settled, type RetryStats } from './retryLoop';
import type { SweptRow, TaskStore } from './taskStore';

/** Sweep batches in flight at once: enough to hide latency, few enough to stay under a partition's limits. */
const SWEEP_CONCURRENCY = 4;

export interface SweepRowsDeps {
  store: TaskStore;
  clock: Clock;
}

/**
 * Stamps listed task rows of a terminating job and ends every task not yet completed, in atomic
 * batches, each row conditional on the version just listed. A batch that loses a race (a
 * reactivation committed meanwhile) re-reads its rows and tries again, so the task that was
 * reactivated is found active and ended. Resolves once every row is written (null), or with the
 * fault that stopped it; the batches that committed before a fault stay, and a redo finds them done.
 */
export async function sweepRows(deps: SweepRowsDeps, jobId: string, listed: readonly TaskSnapshot[], deadline: Deadline, stats: RetryStats): Promise<Fault | null> {
  const work = listed.flatMap((snapshot) => sweptRowOf(snapshot, deps.clock()) ?? []);
  const batches = chunksOf(work, deps.store.sweepRowsPerCommit);
  const results = await inFlight(batches, (batch) => commitBatch(deps, jobId, batch, deadline, stats), {
    concurrency: SWEEP_CONCURRENCY,
    stopsTheRest: (result) => result !== null,
  });
  return results.find((result) => result != null) ?? null;
}

async function commitBatch(deps: SweepRowsDeps, jobId: string, initial: SweptRow[], deadline: Deadline, stats: RetryStats): Promise<Fault | null> {
  let rows = initial;
  const outcome = await retryUntilSettled(deadline, stats, async () => {
    const [first, last] = [rows[0], rows.at(-1)];
    if (first === undefined || last === undefined) return settled({ kind: 'swept' as const });
    const commit = await deps.store.commitSweep(rows, deadline.signal);
    if (commit.kind === 'committed') return settled({ kind: 'swept' as const });
    // Some row moved since it was listed: a reactivation committed, or this very batch committed
    // and lost its response, so that the SDK's retry lost its own race on every row. Re-read the
    // batch's whole key range in one query (a batch is a slice of the listing, so its rows are
    // contiguous) and decide every row afresh, rather than one conflict and one backoff per row.
    const fresh = await deps.store.listTaskRange(jobId, first.from.task.id, last.from.task.id, deadline.signal);
    rows = fresh.flatMap((snapshot) => sweptRowOf(snapshot, deps.clock()) ?? []);
    return CONFLICT;
  });
  return outcome.kind === 'fault' ? outcome : null;
}

/** What the sweep still has to write on a row it read: nothing when the row is done already. */
function sweptRowOf(snapshot: TaskSnapshot, now: Date): SweptRow | null {
  const task = sweptTask(snapshot, now);
  return task === null ? null : { from: snapshot, task, stamp: TERMINATION_STAMP };
}

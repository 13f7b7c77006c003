import { StorageDeadlineError, StorageUnavailableError } from '../storage/storageErrors';
import { backoff, type Deadline } from './deadline';
import { SERVER_BUSY, TIMED_OUT, type Fault } from './outcomes';

/** One attempt either settles the outcome or lost an ETag race and must read again. */
export type Attempt<T> = { kind: 'settled'; value: T } | { kind: 'conflict' };

export const CONFLICT: Attempt<never> = { kind: 'conflict' };

export function settled<T>(value: T): Attempt<T> {
  return { kind: 'settled', value };
}

/** What the retries cost, for the invocation's log line and the benchmark. */
export interface RetryStats {
  conflicts: number;
  faults: number;
}

/** Storage faults tolerated in a row (each already retried by the SDK) before answering SERVER_BUSY. */
const MAX_CONSECUTIVE_FAULTS = 3;

/**
 * Runs read-decide-commit attempts until one settles or the deadline runs out. A lost ETag race
 * reads again after a jittered pause; so does a storage fault, because a commit whose response was
 * lost may have landed, and only a fresh read (which finds the idempotency key) can tell.
 */
export async function retryUntilSettled<T>(
  deadline: Deadline,
  stats: RetryStats,
  attempt: () => Promise<Attempt<T>>,
): Promise<T | Fault> {
  let consecutiveFaults = 0;
  for (let round = 0; ; round += 1) {
    if (deadline.isExpired()) return TIMED_OUT;
    try {
      const outcome = await attempt();
      if (outcome.kind === 'settled') return outcome.value;
      stats.conflicts += 1;
      consecutiveFaults = 0;
    } catch (error) {
      if (error instanceof StorageDeadlineError || (deadline.isExpired() && error instanceof StorageUnavailableError)) return TIMED_OUT;
      if (!(error instanceof StorageUnavailableError)) throw error;
      stats.faults += 1;
      consecutiveFaults += 1;
      if (consecutiveFaults >= MAX_CONSECUTIVE_FAULTS) return SERVER_BUSY;
    }
    await backoff(round, deadline);
  }
}

/** The fault the service answers for a storage failure; null for anything else, which is a bug and thrown on. */
export function storageFault(error: unknown): Fault | null {
  if (error instanceof StorageDeadlineError) return TIMED_OUT;
  if (error instanceof StorageUnavailableError) return SERVER_BUSY;
  return null;
}

/** Runs one storage call outside a read-decide-commit loop: null when it succeeded, else its fault. */
export async function faultOf(call: () => Promise<unknown>): Promise<Fault | null> {
  try {
    await call();
    return null;
  } catch (error) {
    const fault = storageFault(error);
    if (fault === null) throw error;
    return fault;
  }
}

import { setMaxListeners } from 'node:events';

/** The longest a request may run, as Batch caps its `timeout`. */
export const MAX_TIMEOUT_SECONDS = 30;
export const DEFAULT_TIMEOUT_SECONDS = 30;

/** A request's time budget: a signal every storage call receives, and the time left for retries. */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly endsAt: number;

  constructor(timeoutMs: number) {
    this.endsAt = Date.now() + timeoutMs;
    this.signal = AbortSignal.timeout(timeoutMs);
    // Every storage call of the request listens to this one signal, and a sweep re-reads up to
    // 100 rows at once: past Node's default of 10 listeners it would print a leak warning.
    setMaxListeners(0, this.signal);
  }

  static ofSeconds(seconds: number): Deadline {
    return new Deadline(Math.min(seconds, MAX_TIMEOUT_SECONDS) * 1000);
  }

  /**
   * A deadline `ms` earlier than this one (or now): work that runs under it still leaves that much
   * of this one's budget to whatever must follow it (a message that hands the work on, an answer).
   */
  shortenedBy(ms: number): Deadline {
    return new Deadline(Math.max(0, Math.floor(this.remainingMs() - ms)));
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - Date.now());
  }

  isExpired(): boolean {
    return this.signal.aborted || this.remainingMs() === 0;
  }
}

/**
 * Full-jitter exponential backoff, never past the deadline: callers that lose an ETag race retry
 * at spread-out moments instead of colliding again.
 */
export function backoff(attempt: number, deadline: Deadline, baseMs = 5, capMs = 250): Promise<void> {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 10));
  const delay = Math.min(Math.random() * ceiling, deadline.remainingMs());
  return new Promise((resolve) => setTimeout(resolve, delay));
}

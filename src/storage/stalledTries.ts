import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/**
 * A storage request that has had no answer for this long is abandoned and sent again, on a new
 * connection. Neither SDK does so by itself: a request whose connection stalls waits for the whole
 * deadline of its operation otherwise (seen against Azurite, once in a few long runs). Far above a
 * healthy request's time, even a page of 1,000 rows on a busy machine, and short enough that two
 * more tries fit in a 30 s deadline.
 */
export const TRY_TIMEOUT_MS = 10_000;
const TRIES = 3;

/**
 * Runs `attempt` with a signal that also fires after `tryTimeoutMs`, and runs it again when that
 * timer, and not the caller, ended it. A write sent again may have landed the first time: every
 * caller already treats that as it treats the SDK's own retries after a lost answer.
 */
export async function retryStalled<T>(caller: AbortSignal | undefined, attempt: (signal: AbortSignal) => Promise<T>, tryTimeoutMs = TRY_TIMEOUT_MS): Promise<T> {
  for (let tryNo = 1; ; tryNo += 1) {
    const timer = AbortSignal.timeout(tryTimeoutMs);
    const signal = caller === undefined ? timer : AbortSignal.any([caller, timer]);
    try {
      return await attempt(signal);
    } catch (error) {
      if (!timer.aborted || caller?.aborted === true || tryNo >= TRIES) throw error;
    }
  }
}

/** The same for the Tables pipeline, placed per call, around the SDK's own retries. */
export function retryStalledTriesPolicy(tryTimeoutMs = TRY_TIMEOUT_MS): PipelinePolicy {
  return {
    name: 'retryStalledTries',
    async sendRequest(request, next) {
      const caller = request.abortSignal;
      // Every signal of ours is a real AbortSignal; a foreign one is left alone.
      if (caller !== undefined && !(caller instanceof AbortSignal)) return next(request);
      try {
        return await retryStalled(
          caller,
          (signal) => {
            request.abortSignal = signal;
            return next(request);
          },
          tryTimeoutMs,
        );
      } finally {
        request.abortSignal = caller;
      }
    },
  };
}

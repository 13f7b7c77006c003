export interface InFlightOptions<R> {
  /** At most this many items are worked on at once. */
  concurrency: number;
  /** True for a result after which no further item starts (a fault, the job ending). */
  stopsTheRest: (result: R) => boolean;
  /**
   * Asked before each item but the first starts, with the longest any item has taken so far:
   * false stops starting items (the time budget would not cover another).
   */
  mayStart?: (slowestMs: number) => boolean;
}

/**
 * Works through `items` in order with a few in flight at once, and stops starting new ones at the
 * first result that says so. The results come back in item order; an item that never started has
 * none. The first item always starts, so every call makes progress however short its budget.
 */
export async function inFlight<I, R>(items: readonly I[], work: (item: I, index: number) => Promise<R>, options: InFlightOptions<R>): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = items.map(() => undefined);
  let next = 0;
  let stopped = false;
  let slowestMs = 0;
  const take = (): number | undefined => {
    if (stopped || next >= items.length) return undefined;
    if (next > 0 && options.mayStart !== undefined && !options.mayStart(slowestMs)) return undefined;
    return next++;
  };
  const worker = async (): Promise<void> => {
    for (let index = take(); index !== undefined; index = take()) {
      const started = performance.now();
      const result = await work(items[index] as I, index);
      slowestMs = Math.max(slowestMs, performance.now() - started);
      results[index] = result;
      if (options.stopsTheRest(result)) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return results;
}

import { AsyncLocalStorage } from 'node:async_hooks';

import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/** Counts the storage requests made on behalf of one operation, including the SDK's own retries. */
export interface RequestCount {
  requests: number;
  /** Of which to Table Storage, and to Queue Storage. */
  table: number;
  queue: number;
}

/** Counts nest: a request made inside an invocation inside a benchmark's count is counted by both. */
const current = new AsyncLocalStorage<readonly RequestCount[]>();

export function countStorageRequests<T>(work: () => Promise<T>): { count: RequestCount; result: Promise<T> } {
  const count: RequestCount = { requests: 0, table: 0, queue: 0 };
  return { count, result: current.run([...(current.getStore() ?? []), count], work) };
}

/** Every request the app's clients made in this process, inside a count or not. */
let total = 0;

export function storageRequestsSoFar(): number {
  return total;
}

function noteRequest(service: 'table' | 'queue'): void {
  total += 1;
  for (const count of current.getStore() ?? []) {
    count.requests += 1;
    count[service] += 1;
  }
}

/** Placed per retry in the Tables pipeline, so every HTTP attempt is counted, not every SDK call. */
export const requestMeterPolicy: PipelinePolicy = {
  name: 'requestMeter',
  sendRequest(request, next) {
    noteRequest('table');
    return next(request);
  },
};

/**
 * The Queue SDK builds its pipeline from an older policy model that takes no extra policy, so a
 * queue operation is counted once per call: its own retries, if any, are not counted.
 */
export function noteQueueRequest(): void {
  noteRequest('queue');
}

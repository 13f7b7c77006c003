import { AsyncLocalStorage } from 'node:async_hooks';

import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/** Counts the storage requests made on behalf of one operation, including the SDK's own retries. */
export interface RequestCount {
  requests: number;
}

const current = new AsyncLocalStorage<RequestCount>();

export function countStorageRequests<T>(work: () => Promise<T>): { count: RequestCount; result: Promise<T> } {
  const count: RequestCount = { requests: 0 };
  return { count, result: current.run(count, work) };
}

function noteRequest(): void {
  const count = current.getStore();
  if (count !== undefined) count.requests += 1;
}

/** Placed per retry in the Tables pipeline, so every HTTP attempt is counted, not every SDK call. */
export const requestMeterPolicy: PipelinePolicy = {
  name: 'requestMeter',
  sendRequest(request, next) {
    noteRequest();
    return next(request);
  },
};

/**
 * The Queue SDK builds its pipeline from an older policy model that takes no extra policy, so a
 * queue operation is counted once per call: its own retries, if any, are not counted.
 */
export function noteQueueRequest(): void {
  noteRequest();
}

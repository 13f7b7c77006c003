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

/** Placed per retry, so every HTTP attempt is counted, not every SDK call. */
export const requestMeterPolicy: PipelinePolicy = {
  name: 'requestMeter',
  sendRequest(request, next) {
    const count = current.getStore();
    if (count !== undefined) count.requests += 1;
    return next(request);
  },
};

import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The host.json settings of the queue extension that the local host honours, with the host's defaults. */
export interface QueueHostSettings {
  maxDequeueCount: number;
  visibilityTimeoutSeconds: number;
  batchSize: number;
  messageEncoding: 'base64' | 'none';
  /** The host polls an empty queue ever less often, up to this: 2 s when run locally (in Azure, 1 minute). */
  maxPollingIntervalMs: number;
}

function seconds(timespan: unknown, fallback: number): number {
  if (typeof timespan !== 'string') return fallback;
  const match = /^(\d+):(\d{2}):(\d{2})$/.exec(timespan);
  return match === null ? fallback : Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

export function queueHostSettings(root: string): QueueHostSettings {
  const hostJson = JSON.parse(readFileSync(path.join(root, 'host.json'), 'utf8')) as { extensions?: { queues?: Record<string, unknown> } };
  const queues = hostJson.extensions?.queues ?? {};
  return {
    maxDequeueCount: typeof queues.maxDequeueCount === 'number' ? queues.maxDequeueCount : 5,
    visibilityTimeoutSeconds: seconds(queues.visibilityTimeout, 0),
    batchSize: typeof queues.batchSize === 'number' ? Math.min(32, queues.batchSize) : 16,
    messageEncoding: queues.messageEncoding === 'none' ? 'none' : 'base64',
    maxPollingIntervalMs: seconds(queues.maxPollingInterval, 2) * 1000,
  };
}

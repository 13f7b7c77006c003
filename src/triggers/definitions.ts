import type { InvocationContext, StorageQueueHandler, TimerHandler } from '@azure/functions';

import type { AppDependencies } from '../compose';
import type { Config } from '../config';

/** A queue-triggered function: the queue it reads (a setting) and a factory for its handler. */
export interface QueueFunctionDefinition {
  name: string;
  queueName: (config: Config) => string;
  makeHandler: (deps: AppDependencies) => StorageQueueHandler;
}

/** A timer-triggered function: its NCRONTAB schedule and a factory for its handler. */
export interface TimerFunctionDefinition {
  name: string;
  schedule: string;
  makeHandler: (deps: AppDependencies) => TimerHandler;
}

/** The trigger metadata the queue extension passes along (keys camel-cased by the library). */
export interface QueueMessageMetadata {
  id: string | null;
  dequeueCount: number;
}

export function queueMetadataOf(context: InvocationContext): QueueMessageMetadata {
  const metadata = context.triggerMetadata ?? {};
  return {
    id: typeof metadata.id === 'string' ? metadata.id : null,
    dequeueCount: typeof metadata.dequeueCount === 'number' ? metadata.dequeueCount : 1,
  };
}

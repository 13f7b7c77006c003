import type { QueueFunctionDefinition, TimerFunctionDefinition } from './definitions';
import { eventRelayFunction } from './eventRelay';
import { reactivationQueueFunction } from './reactivationQueue';

/** Every queue-triggered function of the app: what the host registers is exactly this. */
export const QUEUE_FUNCTIONS: readonly QueueFunctionDefinition[] = [reactivationQueueFunction];

/** Every timer-triggered function of the app. */
export const TIMER_FUNCTIONS: readonly TimerFunctionDefinition[] = [eventRelayFunction];

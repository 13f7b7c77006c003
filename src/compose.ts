import { loadConfig, type Config } from './config';
import { Outbox, type OutboxTiming } from './outbox/outbox';
import type { OutboxStore } from './outbox/outboxStore';
import { systemClock, type Clock } from './service/clock';
import type { Queue } from './service/queue';
import { DEFAULT_SWEEP_SETTINGS, type SweepSettings } from './service/sweepJob';
import type { TaskStore } from './service/taskStore';
import { createQueueClient, MessageQueue, poisonQueueName } from './storage/messageQueue';
import { Retention } from './retention/retention';
import type { RetentionStore } from './retention/retentionStore';
import { TableOutboxStore } from './storage/tableOutboxStore';
import { TableRetentionStore } from './storage/tableRetentionStore';
import { createTableClient } from './storage/tableClient';
import { TableTaskStore } from './storage/tableTaskStore';

/** Everything the functions need, built once per process from validated settings. */
export interface AppDependencies {
  config: Config;
  clock: Clock;
  store: TaskStore;
  outbox: Outbox;
  retention: Retention;
  /** The reactivation requests queue (for follow-ups) and its poison queue (for messages that can never succeed). */
  reactivationRequests: Queue;
  reactivationPoison: Queue;
  /** The app's own background work: pages of termination sweeps, outbox checks, history retention. */
  sweeps: Queue;
  outboxChecks: Queue;
  retentionQueue: Queue;
  /** Page size and delays of termination sweeps. */
  sweep: SweepSettings;
}

/** The parts a deployment is built of; tests build them around a table and queues of their own. */
export interface AppParts {
  config: Config;
  clock: Clock;
  store: TableTaskStore;
  outboxStore: OutboxStore;
  retentionStore: RetentionStore;
  events: MessageQueue;
  reactivationRequests: MessageQueue;
  reactivationPoison: MessageQueue;
  sweeps: MessageQueue;
  outboxChecks: MessageQueue;
  retentionQueue: MessageQueue;
  /** The defaults when absent; tests sweep in tiny pages and with short delays. */
  sweep?: SweepSettings;
}

export function assemble(parts: AppParts, timing?: OutboxTiming): AppDependencies {
  const { events, outboxStore, retentionStore, sweep, ...rest } = parts;
  const { clock, config } = parts;
  return {
    ...rest,
    sweep: sweep ?? DEFAULT_SWEEP_SETTINGS,
    outbox: new Outbox({ store: outboxStore, events, checks: parts.outboxChecks, clock, ...(timing !== undefined ? { timing } : {}) }),
    retention: new Retention({ store: retentionStore, queue: parts.retentionQueue, clock, retentionDays: config.historyRetentionDays }),
  };
}

/** The clients of a deployment, from its settings; they make no network call until used. */
export function partsFor(config: Config, clock: Clock = systemClock): AppParts {
  const queue = (name: string): MessageQueue => new MessageQueue(createQueueClient(config.storage, name));
  const tableClient = createTableClient(config.storage, config.tableName);
  return {
    config,
    clock,
    store: new TableTaskStore(tableClient),
    outboxStore: new TableOutboxStore(tableClient),
    retentionStore: new TableRetentionStore(tableClient),
    events: queue(config.eventsQueueName),
    reactivationRequests: queue(config.reactivationQueueName),
    reactivationPoison: queue(poisonQueueName(config.reactivationQueueName)),
    sweeps: queue(config.sweepQueueName),
    outboxChecks: queue(config.outboxQueueName),
    retentionQueue: queue(config.retentionQueueName),
  };
}

export function buildDependencies(config: Config): AppDependencies {
  return assemble(partsFor(config));
}

let built: AppDependencies | undefined;

/**
 * The composition root. Called while the function files load, so a missing or wrong setting stops
 * the app at start with a message that names it; it builds clients but makes no network call.
 */
export function appDependencies(): AppDependencies {
  built ??= buildDependencies(loadConfig());
  return built;
}

/**
 * A handler that takes its dependencies from the composition root when first called, so that a
 * function file can be imported (by a test, the soak, the benchmark) without the app's settings.
 * `main.ts` builds the dependencies as the app loads, so a wrong setting still stops it at start.
 */
export function withAppDependencies<A extends unknown[], R>(make: (deps: AppDependencies) => (...args: A) => R): (...args: A) => R {
  let handler: ((...args: A) => R) | undefined;
  return (...args) => (handler ??= make(appDependencies()))(...args);
}

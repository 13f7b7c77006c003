import { loadConfig, type Config } from './config';
import { createQueueClient, MessageQueue, poisonQueueName } from './storage/messageQueue';
import { createTableClient } from './storage/tableClient';
import { TaskTable } from './storage/taskTable';

/** Everything the functions need, built once per process from validated settings. */
export interface AppDependencies {
  config: Config;
  table: TaskTable;
  /** Where `task.reactivated` and `task.reactivation_rejected` events go. */
  events: MessageQueue;
  /** The reactivation requests queue (for follow-ups) and its poison queue (for messages that can never succeed). */
  reactivationRequests: MessageQueue;
  reactivationPoison: MessageQueue;
}

export function buildDependencies(config: Config): AppDependencies {
  return {
    config,
    table: new TaskTable(createTableClient(config.storage, config.tableName)),
    events: new MessageQueue(createQueueClient(config.storage, config.eventsQueueName)),
    reactivationRequests: new MessageQueue(createQueueClient(config.storage, config.reactivationQueueName)),
    reactivationPoison: new MessageQueue(createQueueClient(config.storage, poisonQueueName(config.reactivationQueueName))),
  };
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

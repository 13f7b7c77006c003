import { loadConfig, type Config } from './config';
import { createTableClient } from './storage/tableClient';
import { TaskTable } from './storage/taskTable';

/** Everything the functions need, built once per process from validated settings. */
export interface AppDependencies {
  table: TaskTable;
}

export function buildDependencies(config: Config): AppDependencies {
  return { table: new TaskTable(createTableClient(config.storage, config.tableName)) };
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

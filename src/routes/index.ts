import type { HttpFunctionDefinition } from './definition';
import { getJobFunction } from './getJob';
import { openApiFunction } from './getOpenApi';
import { getTaskFunction } from './getTask';
import { getTaskHistoryFunction } from './getTaskHistory';
import { reactivateFailedTasksFunction } from './reactivateFailedTasks';
import { reactivateTaskFunction } from './reactivateTask';
import { terminateJobFunction } from './terminateJob';

/**
 * Every HTTP route of the app, in one list: what the host registers is exactly this, the local
 * host serves exactly this, and the OpenAPI document describes exactly this.
 */
export const HTTP_FUNCTIONS: readonly HttpFunctionDefinition[] = [
  reactivateTaskFunction,
  getTaskFunction,
  getJobFunction,
  terminateJobFunction,
  getTaskHistoryFunction,
  reactivateFailedTasksFunction,
  openApiFunction(() => HTTP_FUNCTIONS),
];

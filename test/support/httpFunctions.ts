import type { HttpHandler } from '@azure/functions';

import type { AppDependencies } from '../../src/compose';
import { getJobHandler, getJobRoute } from '../../src/functions/getJob';
import { getTaskHandler, getTaskRoute } from '../../src/functions/getTask';
import { getTaskHistoryHandler, getTaskHistoryRoute } from '../../src/functions/getTaskHistory';
import { openApiHandler, openApiRoute } from '../../src/functions/openApi';
import { reactivateFailedTasksHandler, reactivateFailedTasksRoute } from '../../src/functions/reactivateFailedTasks';
import { reactivateTaskHandler, reactivateTaskRoute } from '../../src/functions/reactivateTask';
import { terminateJobHandler, terminateJobRoute } from '../../src/functions/terminateJob';
import type { HttpRoute } from '../../src/http/httpRoute';

/** An HTTP function as the tests drive it: its route, and its handler around dependencies of the test's. */
export interface TestedFunction {
  route: HttpRoute;
  handler: (deps: AppDependencies) => HttpHandler;
}

/** Every HTTP function of the app; a test checks that it is exactly what the OpenAPI document describes. */
export const HTTP_FUNCTIONS: readonly TestedFunction[] = [
  { route: reactivateTaskRoute, handler: reactivateTaskHandler },
  { route: getTaskRoute, handler: getTaskHandler },
  { route: getJobRoute, handler: getJobHandler },
  { route: terminateJobRoute, handler: terminateJobHandler },
  { route: getTaskHistoryRoute, handler: getTaskHistoryHandler },
  { route: reactivateFailedTasksRoute, handler: reactivateFailedTasksHandler },
  { route: openApiRoute, handler: () => openApiHandler() },
];

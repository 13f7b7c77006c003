import { app, type HttpHandler } from '@azure/functions';

import { withAppDependencies } from '../compose';
import { BATCH_SUCCESS } from '../http/batchAnswer';
import { httpFunction } from '../http/httpFunction';
import { taskPathSchema, type HttpRoute } from '../http/httpRoute';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { historyResourceSchema } from '../http/resources';
import { Deadline } from '../service/deadline';
import { getTaskHistory, type QueryDeps } from '../service/queries';

export const getTaskHistoryRoute: HttpRoute = {
  name: 'getTaskHistory',
  route: 'jobs/{jobId}/tasks/{taskId}/history',
  methods: ['GET'],
  authLevel: 'function',
  describe: {
    summary: "The task's reactivations, newest first, each with the failed attempt it reset",
    params: taskPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema,
    data: historyResourceSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'TASK_NOT_FOUND', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    batch: { success: BATCH_SUCCESS.history },
  },
};

export function getTaskHistoryHandler(deps: QueryDeps): HttpHandler {
  return httpFunction(getTaskHistoryRoute.name, async ({ request, stats }) => {
    const parsed = all(fromZod(taskPathSchema, request.params), parseTimeout(request.query), parseClientRequestId(request.headers));
    if (!parsed.ok) return { kind: 'invalid', issues: parsed.issues };
    const [path, timeout] = parsed.value;
    return getTaskHistory(deps, path.jobId, path.taskId, Deadline.ofSeconds(timeout), stats);
  });
}

app.http(getTaskHistoryRoute.name, {
  route: getTaskHistoryRoute.route,
  methods: getTaskHistoryRoute.methods,
  authLevel: getTaskHistoryRoute.authLevel,
  handler: withAppDependencies(getTaskHistoryHandler),
});

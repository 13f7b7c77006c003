import { app, type HttpHandler } from '@azure/functions';

import { withAppDependencies } from '../compose';
import { httpFunction } from '../http/httpFunction';
import { taskPathSchema, type HttpRoute } from '../http/httpRoute';
import { BATCH_SUCCESS } from '../http/batchAnswer';
import { conditionalHeadersSchema, parseCondition } from '../http/conditionalHeaders';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { taskResourceSchema, VERSION_HEADERS } from '../http/resources';
import { Deadline } from '../service/deadline';
import { getTask, type QueryDeps } from '../service/queries';

export const getTaskRoute: HttpRoute = {
  name: 'getTask',
  route: 'jobs/{jobId}/tasks/{taskId}',
  methods: ['GET'],
  authLevel: 'function',
  describe: {
    summary: "Get a task, with the ETag a reactivation's If-Match needs",
    params: taskPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema.extend(conditionalHeadersSchema.shape),
    data: taskResourceSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'TASK_NOT_FOUND', 'CONDITION_NOT_MET', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    responseHeaders: VERSION_HEADERS,
    notModified: true,
    batch: { success: BATCH_SUCCESS.task },
  },
};

export function getTaskHandler(deps: QueryDeps): HttpHandler {
  return httpFunction(getTaskRoute.name, async ({ request, stats }) => {
    const parsed = all(fromZod(taskPathSchema, request.params), parseTimeout(request.query), parseClientRequestId(request.headers), parseCondition(request.headers));
    if (!parsed.ok) return { kind: 'invalid', issues: parsed.issues };
    const [path, timeout, , condition] = parsed.value;
    return getTask(deps, { jobId: path.jobId, taskId: path.taskId, condition, deadline: Deadline.ofSeconds(timeout) }, stats);
  });
}

app.http(getTaskRoute.name, { route: getTaskRoute.route, methods: getTaskRoute.methods, authLevel: getTaskRoute.authLevel, handler: withAppDependencies(getTaskHandler) });

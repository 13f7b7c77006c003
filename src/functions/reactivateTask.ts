import { app, type HttpHandler } from '@azure/functions';
import { z } from 'zod';

import { withAppDependencies } from '../compose';
import { BATCH_SUCCESS } from '../http/batchAnswer';
import { httpFunction } from '../http/httpFunction';
import { taskPathSchema, type HttpRoute } from '../http/httpRoute';
import { conditionalHeadersSchema, parseCondition } from '../http/conditionalHeaders';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseJsonBody, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { taskResourceSchema, VERSION_HEADERS } from '../http/resources';
import { Deadline } from '../service/deadline';
import { reactivateTask, type ReactivateTaskDeps } from '../service/reactivateTask';

/** The request takes no body: empty, or any JSON object (which is ignored). */
const reactivateBodySchema = z.looseObject({});

export const reactivateTaskRoute: HttpRoute = {
  name: 'reactivateTask',
  route: 'jobs/{jobId}/tasks/{taskId}/reactivate',
  methods: ['POST'],
  authLevel: 'function',
  describe: {
    summary: 'Reactivate a task that completed with a failure',
    params: taskPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema.extend(conditionalHeadersSchema.shape),
    body: reactivateBodySchema,
    data: taskResourceSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'TASK_NOT_FOUND', 'CONDITION_NOT_MET', 'JOB_COMPLETED', 'JOB_BEING_TERMINATED', 'JOB_BEING_DELETED', 'TASK_NOT_COMPLETED', 'TASK_SUCCEEDED', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    responseHeaders: VERSION_HEADERS,
    batch: { success: BATCH_SUCCESS.reactivated },
  },
};

export function reactivateTaskHandler(deps: ReactivateTaskDeps): HttpHandler {
  return httpFunction(reactivateTaskRoute.name, async ({ request, requestId, stats, dialect }) => {
    const parsed = all(
      fromZod(taskPathSchema, request.params),
      parseTimeout(request.query),
      parseClientRequestId(request.headers, dialect),
      parseCondition(request.headers),
      await parseJsonBody(request, reactivateBodySchema),
    );
    if (!parsed.ok) return { kind: 'invalid', issues: parsed.issues };
    const [path, timeout, clientRequestId, condition] = parsed.value;
    return reactivateTask(
      deps,
      { jobId: path.jobId, taskId: path.taskId, condition, requestId, clientRequestId: clientRequestId.key, trigger: 'http', deadline: Deadline.ofSeconds(timeout) },
      stats,
    );
  });
}

app.http(reactivateTaskRoute.name, {
  route: reactivateTaskRoute.route,
  methods: reactivateTaskRoute.methods,
  authLevel: reactivateTaskRoute.authLevel,
  handler: withAppDependencies(reactivateTaskHandler),
});

import { app, type HttpHandler } from '@azure/functions';

import { withAppDependencies } from '../compose';
import { reactivateFailedTasksBodySchema } from '../domain/bulkRequest';
import { bulkReactivationResultSchema } from '../domain/bulkResult';
import { BATCH_SUCCESS } from '../http/batchAnswer';
import { httpFunction } from '../http/httpFunction';
import { jobPathSchema, type HttpRoute } from '../http/httpRoute';
import { noConditionalHeadersSchema } from '../http/conditionalHeaders';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseHeaders, parseJsonBody, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { Deadline } from '../service/deadline';
import { reactivateFailedTasks, type ReactivateFailedTasksDeps } from '../service/reactivateFailedTasks';

/**
 * 1,000 task ids of 64 characters are about 67 KB of JSON, and the code lists add up to ~27 KB more:
 * this route takes more than the 16 KiB of the others, and still a bounded amount.
 */
export const BULK_BODY_BYTES = 128 * 1024;

export const reactivateFailedTasksRoute: HttpRoute = {
  name: 'reactivateFailedTasks',
  route: 'jobs/{jobId}/reactivate-failed-tasks',
  methods: ['POST'],
  authLevel: 'function',
  describe: {
    summary: "Reactivate a job's failed tasks that match a filter, in transactions; dry_run previews",
    params: jobPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema,
    body: reactivateFailedTasksBodySchema,
    data: bulkReactivationResultSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'JOB_COMPLETED', 'JOB_BEING_TERMINATED', 'JOB_BEING_DELETED', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    batch: { success: BATCH_SUCCESS.bulkReactivated },
  },
};

export function reactivateFailedTasksHandler(deps: ReactivateFailedTasksDeps): HttpHandler {
  return httpFunction(reactivateFailedTasksRoute.name, async ({ request, requestId, stats, dialect }) => {
    const parsed = all(
      fromZod(jobPathSchema, request.params),
      parseTimeout(request.query),
      parseClientRequestId(request.headers, dialect),
      // Conditional headers name one task's version, and mean nothing for many.
      parseHeaders(noConditionalHeadersSchema, request.headers),
      await parseJsonBody(request, reactivateFailedTasksBodySchema, BULK_BODY_BYTES),
    );
    if (!parsed.ok) return { kind: 'invalid', issues: parsed.issues };
    const [path, timeout, clientRequestId, , body] = parsed.value;
    return reactivateFailedTasks(deps, { jobId: path.jobId, body, requestId, clientRequestId: clientRequestId.key, trigger: 'http', deadline: Deadline.ofSeconds(timeout) }, stats);
  });
}

app.http(reactivateFailedTasksRoute.name, {
  route: reactivateFailedTasksRoute.route,
  methods: reactivateFailedTasksRoute.methods,
  authLevel: reactivateFailedTasksRoute.authLevel,
  handler: withAppDependencies(reactivateFailedTasksHandler),
});

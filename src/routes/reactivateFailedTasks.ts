import type { HttpHandler } from '@azure/functions';

import { reactivateFailedTasksBodySchema } from '../domain/bulkRequest';
import { bulkReactivationResultSchema } from '../domain/bulkResult';
import { refused } from '../http/answers';
import { invalid, ok } from '../http/envelope';
import { httpFunction } from '../http/httpFunction';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseJsonBody, parseTimeout, refuseConditions, timeoutQuerySchema } from '../http/requestParts';
import type { HttpFunctionDefinition } from './definition';
import { Deadline } from '../service/deadline';
import { reactivateFailedTasks, type ReactivateFailedTasksDeps } from '../service/reactivateFailedTasks';
import { jobPathSchema } from './getJob';

/**
 * 1,000 task ids of 64 characters are about 67 KB of JSON, and the code lists add up to ~27 KB more:
 * this route takes more than the 16 KiB of the others, and still a bounded amount.
 */
export const BULK_BODY_BYTES = 128 * 1024;

export function makeReactivateFailedTasksHandler(deps: ReactivateFailedTasksDeps): HttpHandler {
  return httpFunction('reactivateFailedTasks', async ({ request, requestId, stats }) => {
    const parsed = all(
      fromZod(jobPathSchema, request.params),
      parseTimeout(request.query),
      parseClientRequestId(request.headers),
      refuseConditions(request.headers),
      await parseJsonBody(request, reactivateFailedTasksBodySchema, BULK_BODY_BYTES),
    );
    if (!parsed.ok) return invalid(parsed.issues);
    const [path, timeout, clientRequestId, , body] = parsed.value;
    const outcome = await reactivateFailedTasks(
      deps,
      { jobId: path.jobId, body, requestId, clientRequestId: clientRequestId.key, trigger: 'http', deadline: Deadline.ofSeconds(timeout) },
      stats,
    );
    if (outcome.kind === 'invalid') return invalid([{ field: outcome.field, message: outcome.message }]);
    if (outcome.kind !== 'bulkReactivated') return refused(outcome);
    return ok(outcome.result);
  });
}

export const reactivateFailedTasksFunction: HttpFunctionDefinition = {
  name: 'reactivateFailedTasks',
  route: 'jobs/{jobId}/reactivate-failed-tasks',
  methods: ['POST'],
  describe: {
    summary: "Reactivate a job's failed tasks that match a filter, in transactions; dry_run previews",
    params: jobPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema,
    body: reactivateFailedTasksBodySchema,
    data: bulkReactivationResultSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'JOB_COMPLETED', 'JOB_BEING_TERMINATED', 'JOB_BEING_DELETED', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
  },
  makeHandler: makeReactivateFailedTasksHandler,
};

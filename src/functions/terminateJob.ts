import { app, type HttpHandler } from '@azure/functions';
import { z } from 'zod';

import { withAppDependencies } from '../compose';
import { httpFunction } from '../http/httpFunction';
import { jobPathSchema, type HttpRoute } from '../http/httpRoute';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseJsonBody, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { jobResourceSchema, VERSION_HEADERS } from '../http/resources';
import { Deadline } from '../service/deadline';
import { terminateJob, type TerminateJobDeps } from '../service/terminateJob';

export const terminateBodySchema = z.strictObject({
  terminate_reason: z.string().trim().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters').optional(),
});

export const terminateJobRoute: HttpRoute = {
  name: 'terminateJob',
  route: 'jobs/{jobId}/terminate',
  methods: ['POST'],
  authLevel: 'function',
  describe: {
    summary:
      'Terminate a job: end every task not yet completed, then complete the job. 200: it finished within the timeout, the job is completed. ' +
      '202: the job is terminating and the rest goes on by itself; the job as it stands, its termination progress in `termination`; GET /jobs/{jobId} shows when it is completed',
    params: jobPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema,
    body: terminateBodySchema,
    data: jobResourceSchema,
    accepted: 'The termination goes on without the caller: the job, still terminating, with its progress so far.',
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'JOB_COMPLETED', 'JOB_BEING_DELETED', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    responseHeaders: VERSION_HEADERS,
  },
};

export function terminateJobHandler(deps: TerminateJobDeps): HttpHandler {
  return httpFunction(terminateJobRoute.name, async ({ request, stats }) => {
    const parsed = all(fromZod(jobPathSchema, request.params), parseTimeout(request.query), parseClientRequestId(request.headers), await parseJsonBody(request, terminateBodySchema));
    if (!parsed.ok) return { kind: 'invalid', issues: parsed.issues };
    const [path, timeout, , body] = parsed.value;
    return terminateJob(deps, { jobId: path.jobId, reason: body.terminate_reason ?? null, deadline: Deadline.ofSeconds(timeout) }, stats);
  });
}

app.http(terminateJobRoute.name, {
  route: terminateJobRoute.route,
  methods: terminateJobRoute.methods,
  authLevel: terminateJobRoute.authLevel,
  handler: withAppDependencies(terminateJobHandler),
});

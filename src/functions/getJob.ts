import { app, type HttpHandler } from '@azure/functions';

import { withAppDependencies } from '../compose';
import { httpFunction } from '../http/httpFunction';
import { jobPathSchema, type HttpRoute } from '../http/httpRoute';
import { BATCH_SUCCESS } from '../http/batchAnswer';
import { conditionalHeadersSchema, parseCondition } from '../http/conditionalHeaders';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { jobResourceSchema, VERSION_HEADERS } from '../http/resources';
import { Deadline } from '../service/deadline';
import { getJob, type QueryDeps } from '../service/queries';

export const getJobRoute: HttpRoute = {
  name: 'getJob',
  route: 'jobs/{jobId}',
  methods: ['GET'],
  authLevel: 'function',
  describe: {
    summary: 'Get a job',
    params: jobPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema.extend(conditionalHeadersSchema.shape),
    data: jobResourceSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'CONDITION_NOT_MET', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    responseHeaders: VERSION_HEADERS,
    notModified: true,
    batch: { success: BATCH_SUCCESS.job },
  },
};

export function getJobHandler(deps: QueryDeps): HttpHandler {
  return httpFunction(getJobRoute.name, async ({ request, stats }) => {
    const parsed = all(fromZod(jobPathSchema, request.params), parseTimeout(request.query), parseClientRequestId(request.headers), parseCondition(request.headers));
    if (!parsed.ok) return { kind: 'invalid', issues: parsed.issues };
    const [path, timeout, , condition] = parsed.value;
    return getJob(deps, { jobId: path.jobId, condition, deadline: Deadline.ofSeconds(timeout) }, stats);
  });
}

app.http(getJobRoute.name, { route: getJobRoute.route, methods: getJobRoute.methods, authLevel: getJobRoute.authLevel, handler: withAppDependencies(getJobHandler) });

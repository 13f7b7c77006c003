import { app, type HttpHandler, type HttpRequest } from '@azure/functions';
import { z } from 'zod';

import { withAppDependencies } from '../compose';
import { BATCH_SUCCESS } from '../http/batchAnswer';
import type { Dialect } from '../http/dialect';
import { httpFunction } from '../http/httpFunction';
import { jobPathSchema, type HttpRoute } from '../http/httpRoute';
import { conditionalHeadersSchema, parseCondition } from '../http/conditionalHeaders';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseJsonBody, parseTimeout, timeoutQuerySchema, type Parsed } from '../http/requestParts';
import { jobResourceSchema, VERSION_HEADERS } from '../http/resources';
import { Deadline } from '../service/deadline';
import { terminateJob, type TerminateJobDeps } from '../service/terminateJob';

const terminateReasonSchema = z.string().trim().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters');

/** One reason, one rule, spelled in each dialect's own way; each dialect refuses the other's spelling as unknown. */
export const terminateBodySchema = z.strictObject({ terminate_reason: terminateReasonSchema.optional() });
export const batchTerminateBodySchema = z.strictObject({ terminateReason: terminateReasonSchema.optional() });

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
    headers: clientRequestHeadersSchema.extend(conditionalHeadersSchema.shape),
    body: terminateBodySchema,
    data: jobResourceSchema,
    accepted: 'The termination goes on without the caller: the job, still terminating, with its progress so far.',
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'CONDITION_NOT_MET', 'JOB_COMPLETED', 'JOB_BEING_DELETED', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    responseHeaders: VERSION_HEADERS,
    batch: { success: BATCH_SUCCESS.terminated, body: batchTerminateBodySchema },
  },
};

export function terminateJobHandler(deps: TerminateJobDeps): HttpHandler {
  return httpFunction(terminateJobRoute.name, async ({ request, stats, dialect }) => {
    const parsed = all(
      fromZod(jobPathSchema, request.params),
      parseTimeout(request.query),
      parseClientRequestId(request.headers),
      parseCondition(request.headers),
      await parseReason(request, dialect),
    );
    if (!parsed.ok) return { kind: 'invalid', issues: parsed.issues };
    const [path, timeout, , condition, reason] = parsed.value;
    return terminateJob(deps, { jobId: path.jobId, reason, condition, deadline: Deadline.ofSeconds(timeout) }, stats);
  });
}

/** The optional reason, from the body as the request's dialect spells it. */
async function parseReason(request: HttpRequest, dialect: Dialect): Promise<Parsed<string | null>> {
  if (dialect.kind === 'batch') {
    const body = await parseJsonBody(request, batchTerminateBodySchema);
    return body.ok ? { ok: true, value: body.value.terminateReason ?? null } : body;
  }
  const body = await parseJsonBody(request, terminateBodySchema);
  return body.ok ? { ok: true, value: body.value.terminate_reason ?? null } : body;
}

app.http(terminateJobRoute.name, {
  route: terminateJobRoute.route,
  methods: terminateJobRoute.methods,
  authLevel: terminateJobRoute.authLevel,
  handler: withAppDependencies(terminateJobHandler),
});

import type { HttpHandler } from '@azure/functions';
import { z } from 'zod';

import { refused } from '../http/answers';
import { invalid, ok } from '../http/envelope';
import { httpFunction } from '../http/httpFunction';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseJsonBody, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { jobResource, jobResourceSchema, VERSION_HEADERS, versionHeaders } from '../http/resources';
import type { HttpFunctionDefinition } from './definition';
import { Deadline } from '../service/deadline';
import { terminateJob, type TerminateJobDeps } from '../service/terminateJob';
import { jobPathSchema } from './getJob';

export const terminateBodySchema = z.strictObject({
  terminate_reason: z.string().trim().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters').optional(),
});

export function makeTerminateJobHandler(deps: TerminateJobDeps): HttpHandler {
  return httpFunction('terminateJob', async ({ request, stats }) => {
    const parsed = all(
      fromZod(jobPathSchema, request.params),
      parseTimeout(request.query),
      parseClientRequestId(request.headers),
      await parseJsonBody(request, terminateBodySchema),
    );
    if (!parsed.ok) return invalid(parsed.issues);
    const [path, timeout, , body] = parsed.value;
    const outcome = await terminateJob(deps, { jobId: path.jobId, reason: body.terminate_reason ?? null, deadline: Deadline.ofSeconds(timeout) }, stats);
    if (outcome.kind !== 'terminated') return refused(outcome);
    return ok(jobResource(outcome.job, outcome.etag), versionHeaders(outcome.etag, outcome.job.last_modified));
  });
}

export const terminateJobFunction: HttpFunctionDefinition = {
  name: 'terminateJob',
  route: 'jobs/{jobId}/terminate',
  methods: ['POST'],
  describe: {
    summary: 'Terminate a job: end every task not yet completed, then complete the job',
    params: jobPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema,
    body: terminateBodySchema,
    data: jobResourceSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'JOB_COMPLETED', 'JOB_BEING_DELETED', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    responseHeaders: VERSION_HEADERS,
  },
  makeHandler: makeTerminateJobHandler,
};


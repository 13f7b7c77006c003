import type { HttpHandler } from '@azure/functions';
import { z } from 'zod';

import { idSchema } from '../domain/ids';
import { isRefusal, refused } from '../http/answers';
import { invalid, ok } from '../http/envelope';
import { httpFunction } from '../http/httpFunction';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { jobResource, jobResourceSchema, VERSION_HEADERS, versionHeaders } from '../http/resources';
import type { HttpFunctionDefinition } from './definition';
import { Deadline } from '../service/deadline';
import { getJob, type QueryDeps } from '../service/queries';

export const jobPathSchema = z.object({ jobId: idSchema });

export function makeGetJobHandler(deps: QueryDeps): HttpHandler {
  return httpFunction('getJob', async ({ request, stats }) => {
    const parsed = all(fromZod(jobPathSchema, request.params), parseTimeout(request.query), parseClientRequestId(request.headers));
    if (!parsed.ok) return invalid(parsed.issues);
    const [path, timeout] = parsed.value;
    const found = await getJob(deps, path.jobId, Deadline.ofSeconds(timeout), stats);
    if (isRefusal(found)) return refused(found);
    return ok(jobResource(found.job, found.etag), versionHeaders(found.etag, found.job.last_modified));
  });
}

export const getJobFunction: HttpFunctionDefinition = {
  name: 'getJob',
  route: 'jobs/{jobId}',
  methods: ['GET'],
  describe: {
    summary: 'Get a job',
    params: jobPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema,
    data: jobResourceSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    responseHeaders: VERSION_HEADERS,
  },
  makeHandler: makeGetJobHandler,
};


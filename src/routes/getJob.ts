import type { HttpHandler } from '@azure/functions';
import { z } from 'zod';

import { idSchema } from '../domain/ids';
import { isRefusal, refused } from '../http/answers';
import { invalid, ok } from '../http/envelope';
import { httpFunction } from '../http/httpFunction';
import { all, fromZod, parseTimeout } from '../http/requestParts';
import { jobResource, versionHeaders } from '../http/resources';
import type { HttpFunctionDefinition } from './definition';
import { Deadline } from '../service/deadline';
import { getJob, type QueryDeps } from '../service/queries';

export const jobPathSchema = z.object({ jobId: idSchema });

export function makeGetJobHandler(deps: QueryDeps): HttpHandler {
  return httpFunction('getJob', async ({ request }) => {
    const parsed = all(fromZod(jobPathSchema, request.params), parseTimeout(request.query));
    if (!parsed.ok) return invalid(parsed.issues);
    const [path, timeout] = parsed.value;
    const found = await getJob(deps, path.jobId, Deadline.ofSeconds(timeout));
    if (isRefusal(found)) return refused(found);
    return ok(jobResource(found.job, found.etag), versionHeaders(found.etag, found.job.last_modified));
  });
}

export const getJobFunction: HttpFunctionDefinition = {
  name: 'getJob',
  route: 'jobs/{jobId}',
  methods: ['GET'],
  makeHandler: makeGetJobHandler,
};


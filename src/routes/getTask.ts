import type { HttpHandler } from '@azure/functions';

import { isRefusal, refused } from '../http/answers';
import { invalid, ok } from '../http/envelope';
import { httpFunction } from '../http/httpFunction';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { taskResource, taskResourceSchema, VERSION_HEADERS, versionHeaders } from '../http/resources';
import type { HttpFunctionDefinition } from './definition';
import { Deadline } from '../service/deadline';
import { getTask, type QueryDeps } from '../service/queries';
import { taskPathSchema } from './reactivateTask';

export function makeGetTaskHandler(deps: QueryDeps): HttpHandler {
  return httpFunction('getTask', async ({ request, stats }) => {
    const parsed = all(fromZod(taskPathSchema, request.params), parseTimeout(request.query), parseClientRequestId(request.headers));
    if (!parsed.ok) return invalid(parsed.issues);
    const [path, timeout] = parsed.value;
    const found = await getTask(deps, path.jobId, path.taskId, Deadline.ofSeconds(timeout), stats);
    if (isRefusal(found)) return refused(found);
    return ok(taskResource(found.task, found.etag), versionHeaders(found.etag, found.task.last_modified));
  });
}

export const getTaskFunction: HttpFunctionDefinition = {
  name: 'getTask',
  route: 'jobs/{jobId}/tasks/{taskId}',
  methods: ['GET'],
  describe: {
    summary: 'Get a task, with the ETag a reactivation\'s If-Match needs',
    params: taskPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema,
    data: taskResourceSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'TASK_NOT_FOUND', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    responseHeaders: VERSION_HEADERS,
  },
  makeHandler: makeGetTaskHandler,
};


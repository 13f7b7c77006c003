import type { HttpHandler } from '@azure/functions';

import { isRefusal, refused } from '../http/answers';
import { invalid, ok } from '../http/envelope';
import { httpFunction } from '../http/httpFunction';
import { all, clientRequestHeadersSchema, fromZod, parseClientRequestId, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { historyResource, historyResourceSchema } from '../http/resources';
import type { HttpFunctionDefinition } from './definition';
import { Deadline } from '../service/deadline';
import { getTaskHistory, type QueryDeps } from '../service/queries';
import { taskPathSchema } from './reactivateTask';

export function makeGetTaskHistoryHandler(deps: QueryDeps): HttpHandler {
  return httpFunction('getTaskHistory', async ({ request, stats }) => {
    const parsed = all(fromZod(taskPathSchema, request.params), parseTimeout(request.query), parseClientRequestId(request.headers));
    if (!parsed.ok) return invalid(parsed.issues);
    const [path, timeout] = parsed.value;
    const history = await getTaskHistory(deps, path.jobId, path.taskId, Deadline.ofSeconds(timeout), stats);
    if (isRefusal(history)) return refused(history);
    return ok(history.map(historyResource));
  });
}

export const getTaskHistoryFunction: HttpFunctionDefinition = {
  name: 'getTaskHistory',
  route: 'jobs/{jobId}/tasks/{taskId}/history',
  methods: ['GET'],
  describe: {
    summary: 'The task\'s reactivations, newest first, each with the failed attempt it reset',
    params: taskPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema,
    data: historyResourceSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'TASK_NOT_FOUND', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
  },
  makeHandler: makeGetTaskHistoryHandler,
};


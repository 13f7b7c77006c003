import type { HttpHandler } from '@azure/functions';

import { isRefusal, refused } from '../http/answers';
import { invalid, ok } from '../http/envelope';
import { httpFunction } from '../http/httpFunction';
import { all, fromZod, parseTimeout } from '../http/requestParts';
import { historyResource } from '../http/resources';
import type { HttpFunctionDefinition } from './definition';
import { Deadline } from '../service/deadline';
import { getTaskHistory, type QueryDeps } from '../service/queries';
import { taskPathSchema } from './reactivateTask';

export function makeGetTaskHistoryHandler(deps: QueryDeps): HttpHandler {
  return httpFunction('getTaskHistory', async ({ request }) => {
    const parsed = all(fromZod(taskPathSchema, request.params), parseTimeout(request.query));
    if (!parsed.ok) return invalid(parsed.issues);
    const [path, timeout] = parsed.value;
    const history = await getTaskHistory(deps, path.jobId, path.taskId, Deadline.ofSeconds(timeout));
    if (isRefusal(history)) return refused(history);
    return ok(history.map(historyResource));
  });
}

export const getTaskHistoryFunction: HttpFunctionDefinition = {
  name: 'getTaskHistory',
  route: 'jobs/{jobId}/tasks/{taskId}/history',
  methods: ['GET'],
  makeHandler: makeGetTaskHistoryHandler,
};


import type { HttpHandler } from '@azure/functions';
import { z } from 'zod';

import { idSchema } from '../domain/ids';
import { invalid, ok } from '../http/envelope';
import { httpFunction } from '../http/httpFunction';
import { all, clientRequestHeadersSchema, conditionalHeadersSchema, fromZod, parseClientRequestId, parseCondition, parseJsonBody, parseTimeout, timeoutQuerySchema } from '../http/requestParts';
import { refused } from '../http/answers';
import { taskResource, taskResourceSchema, VERSION_HEADERS, versionHeaders } from '../http/resources';
import type { HttpFunctionDefinition } from './definition';
import { Deadline } from '../service/deadline';
import { announceReactivation, type AnnounceDeps } from '../service/announceReactivation';
import { reactivateTask, type ReactivateTaskDeps } from '../service/reactivateTask';

export const taskPathSchema = z.object({ jobId: idSchema, taskId: idSchema });

/** The request takes no body: empty, or any JSON object (which is ignored). */
const reactivateBodySchema = z.looseObject({});

export function makeReactivateTaskHandler(deps: ReactivateTaskDeps & AnnounceDeps): HttpHandler {
  return httpFunction('reactivateTask', async ({ request, context, requestId, stats }) => {
    const parsed = all(
      fromZod(taskPathSchema, request.params),
      parseTimeout(request.query),
      parseClientRequestId(request.headers),
      parseCondition(request.headers),
      await parseJsonBody(request, reactivateBodySchema),
    );
    if (!parsed.ok) return invalid(parsed.issues);
    const [path, timeout, clientRequestId, condition] = parsed.value;
    const deadline = Deadline.ofSeconds(timeout);
    const outcome = await reactivateTask(
      deps,
      {
        jobId: path.jobId,
        taskId: path.taskId,
        condition,
        requestId,
        clientRequestId: clientRequestId.key,
        trigger: 'http',
        deadline,
      },
      stats,
    );
    if (outcome.kind !== 'reactivated') return refused(outcome);
    if (outcome.history !== null && (await announceReactivation(deps, outcome.history, outcome.etag, deadline.signal)) !== 'published') {
      context.warn(JSON.stringify({ requestId, event: 'task.reactivated', eventId: outcome.history.event_id, status: 'left to the relay' }));
    }
    return ok(taskResource(outcome.task, outcome.etag), versionHeaders(outcome.etag, outcome.task.last_modified));
  });
}

export const reactivateTaskFunction: HttpFunctionDefinition = {
  name: 'reactivateTask',
  route: 'jobs/{jobId}/tasks/{taskId}/reactivate',
  methods: ['POST'],
  describe: {
    summary: 'Reactivate a task that completed with a failure',
    params: taskPathSchema,
    query: timeoutQuerySchema,
    headers: clientRequestHeadersSchema.extend(conditionalHeadersSchema.shape),
    body: reactivateBodySchema,
    data: taskResourceSchema,
    errors: ['VALIDATION_ERROR', 'JOB_NOT_FOUND', 'TASK_NOT_FOUND', 'CONDITION_NOT_MET', 'JOB_COMPLETED', 'JOB_BEING_TERMINATED', 'JOB_BEING_DELETED', 'TASK_NOT_COMPLETED', 'TASK_SUCCEEDED', 'OPERATION_TIMED_OUT', 'SERVER_BUSY', 'INTERNAL_ERROR'],
    responseHeaders: VERSION_HEADERS,
  },
  makeHandler: makeReactivateTaskHandler,
};


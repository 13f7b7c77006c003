import type { HttpHandler } from '@azure/functions';
import { z } from 'zod';

import { idSchema } from '../domain/ids';
import { invalid, ok } from '../http/envelope';
import { httpFunction } from '../http/httpFunction';
import { all, fromZod, parseClientRequestId, parseCondition, parseJsonBody, parseTimeout } from '../http/requestParts';
import { refused } from '../http/answers';
import { taskResource, versionHeaders } from '../http/resources';
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
    const outcome = await reactivateTask(
      deps,
      {
        jobId: path.jobId,
        taskId: path.taskId,
        condition,
        requestId,
        clientRequestId: clientRequestId.key,
        trigger: 'http',
        deadline: Deadline.ofSeconds(timeout),
      },
      stats,
    );
    if (outcome.kind !== 'reactivated') return refused(outcome);
    if (outcome.history !== null && (await announceReactivation(deps, outcome.history, outcome.etag)) !== 'published') {
      context.warn(JSON.stringify({ requestId, event: 'task.reactivated', eventId: outcome.history.event_id, status: 'left to the relay' }));
    }
    return ok(taskResource(outcome.task, outcome.etag), versionHeaders(outcome.etag, outcome.task.last_modified));
  });
}

export const reactivateTaskFunction: HttpFunctionDefinition = {
  name: 'reactivateTask',
  route: 'jobs/{jobId}/tasks/{taskId}/reactivate',
  methods: ['POST'],
  makeHandler: makeReactivateTaskHandler,
};


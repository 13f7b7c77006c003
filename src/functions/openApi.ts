import { app, type HttpHandler } from '@azure/functions';
import { z } from 'zod';

import { httpFunction } from '../http/httpFunction';
import type { HttpRoute } from '../http/httpRoute';
import { openApiDocument } from '../http/openApiDocument';
import { getJobRoute } from './getJob';
import { getTaskRoute } from './getTask';
import { getTaskHistoryRoute } from './getTaskHistory';
import { reactivateFailedTasksRoute } from './reactivateFailedTasks';
import { reactivateTaskRoute } from './reactivateTask';
import { terminateJobRoute } from './terminateJob';

/** The version of the HTTP API the document describes (not of the package). */
export const API_VERSION = '1.0.0';

/**
 * `GET /openapi.json`: anonymous, so that a client can discover the API before it has a key, and
 * served as is, not in the envelope (tools read it as the document), whatever api-version says.
 */
export const openApiRoute: HttpRoute = {
  name: 'openApi',
  route: 'openapi.json',
  methods: ['GET'],
  authLevel: 'anonymous',
  describe: {
    summary: 'This OpenAPI 3.1 document (not in the envelope)',
    data: z.object({ openapi: z.literal('3.1.0') }).loose(),
    errors: ['INTERNAL_ERROR'],
  },
};

/** Every HTTP function of the app, as the document describes them. */
export const HTTP_ROUTES: readonly HttpRoute[] = [reactivateTaskRoute, getTaskRoute, getJobRoute, terminateJobRoute, getTaskHistoryRoute, reactivateFailedTasksRoute, openApiRoute];

export function openApiHandler(): HttpHandler {
  let document: Record<string, unknown> | undefined;
  return httpFunction(openApiRoute.name, () => {
    document ??= openApiDocument(HTTP_ROUTES, API_VERSION);
    return Promise.resolve({ kind: 'document', body: document });
  }, { speaksBatch: false });
}

app.http(openApiRoute.name, { route: openApiRoute.route, methods: openApiRoute.methods, authLevel: openApiRoute.authLevel, handler: openApiHandler() });

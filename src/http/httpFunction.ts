import { randomUUID } from 'node:crypto';

import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { RetryStats } from '../service/retryLoop';
import { countStorageRequests } from '../storage/requestMeter';
import { failure, outcomeOf } from './envelope';
import { parseClientRequestId } from './requestParts';

/** What a route handler receives besides the request: the ids and counters of this invocation. */
export interface HttpCall {
  request: HttpRequest;
  context: InvocationContext;
  /** A fresh UUID for every request; sent back as `request-id` and written into the log. */
  requestId: string;
  stats: RetryStats;
}

/**
 * Wraps a route handler so that no error escapes to the host, every answer carries `request-id`
 * (and `client-request-id` when asked for), and every invocation logs one structured line: ids,
 * outcome, storage requests and duration. Errors are logged with the request id and answered with a
 * message that holds no internals.
 */
export function httpFunction(route: string, handle: (call: HttpCall) => Promise<HttpResponseInit>): HttpHandler {
  return async (request, context) => {
    const started = performance.now();
    const requestId = randomUUID();
    const stats: RetryStats = { conflicts: 0, faults: 0 };
    const { count, result } = countStorageRequests(() => handle({ request, context, requestId, stats }));
    let response: HttpResponseInit;
    try {
      response = await result;
    } catch (error) {
      context.error(JSON.stringify({ requestId, route, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
      response = failure('INTERNAL_ERROR', `An unexpected error occurred; quote request-id ${requestId} when reporting it.`);
    }
    const headers = new Headers(response.headers);
    headers.set('request-id', requestId);
    const clientRequestId = parseClientRequestId(request.headers);
    if (clientRequestId.ok && clientRequestId.value.echo && clientRequestId.value.given !== null) {
      headers.set('client-request-id', clientRequestId.value.given);
    }
    context.info(
      JSON.stringify({
        event: 'request',
        requestId,
        route,
        jobId: request.params.jobId ?? null,
        taskId: request.params.taskId ?? null,
        status: response.status ?? 200,
        outcome: outcomeOf(response),
        storageRequests: count.requests,
        conflicts: stats.conflicts,
        durationMs: Math.round(performance.now() - started),
      }),
    );
    return { ...response, headers };
  };
}

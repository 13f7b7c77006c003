import { randomUUID } from 'node:crypto';

import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { RetryStats } from '../service/retryLoop';
import { countStorageRequests } from '../storage/requestMeter';
import { httpAnswer, outcomeCode, type HttpOutcome } from './answer';
import { parseClientRequestId } from './requestParts';

/** What a function's handler receives besides the request: the ids and counters of this invocation. */
export interface HttpCall {
  request: HttpRequest;
  context: InvocationContext;
  /** A fresh UUID for every request; sent back as `request-id` and written into the log. */
  requestId: string;
  stats: RetryStats;
}

/**
 * Wraps an HTTP function's handler: it parses its request, calls its use case and returns the
 * outcome; this maps the outcome to the answer, so that no error escapes to the host, every answer
 * carries `request-id` (and `client-request-id` when asked for), and every invocation logs one
 * structured line: ids, outcome, storage requests and duration. Errors are logged with the request
 * id and answered with a message that holds no internals.
 */
export function httpFunction(name: string, handle: (call: HttpCall) => Promise<HttpOutcome>): HttpHandler {
  return async (request, context) => {
    const started = performance.now();
    const requestId = randomUUID();
    const stats: RetryStats = { conflicts: 0, faults: 0 };
    const { count, result } = countStorageRequests(() => handle({ request, context, requestId, stats }));
    let outcome: HttpOutcome;
    let response: HttpResponseInit;
    try {
      outcome = await result;
      response = httpAnswer(outcome);
    } catch (error) {
      context.error(JSON.stringify({ requestId, route: name, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
      outcome = { kind: 'unexpected', message: `An unexpected error occurred; quote request-id ${requestId} when reporting it.` };
      response = httpAnswer(outcome);
    }
    const headers = new Headers(response.headers);
    headers.set('request-id', requestId);
    const clientRequestId = parseClientRequestId(request.headers);
    if (clientRequestId.ok && clientRequestId.value.echo && clientRequestId.value.given !== null) headers.set('client-request-id', clientRequestId.value.given);
    const event = outcome.kind === 'reactivated' ? outcome.event : null;
    const line = JSON.stringify({
      event: 'request',
      requestId,
      route: name,
      jobId: request.params.jobId ?? null,
      taskId: request.params.taskId ?? null,
      status: response.status ?? 200,
      outcome: outcomeCode(outcome),
      ...(event !== null ? { taskEvent: event } : {}),
      storageRequests: count.requests,
      conflicts: stats.conflicts,
      durationMs: Math.round(performance.now() - started),
    });
    // A committed reactivation whose event could not be sent at once is worth a warning: the relay sends it later.
    if (event === 'left to the relay') context.warn(line);
    else context.info(line);
    return { ...response, headers };
  };
}

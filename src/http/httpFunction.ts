import { randomUUID } from 'node:crypto';

import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { RetryStats } from '../service/retryLoop';
import { countStorageRequests } from '../storage/requestMeter';
import { httpAnswer, outcomeCode, type HttpOutcome } from './answer';
import { batchAnswer } from './batchAnswer';
import { chooseDialect, ENVELOPE, type Dialect } from './dialect';
import { parseClientRequestId } from './requestParts';

/** What a function's handler receives besides the request: the ids and counters of this invocation. */
export interface HttpCall {
  request: HttpRequest;
  context: InvocationContext;
  /** A fresh UUID for every request; sent back as `request-id` and written into the log. */
  requestId: string;
  stats: RetryStats;
  /** The wire format of this request, chosen by its `api-version`; the handler reads Batch's few own parts by it. */
  dialect: Dialect;
}

export interface HttpFunctionOptions {
  /** False for a route that answers the same whatever the query (the OpenAPI document): api-version is not read. */
  speaksBatch?: boolean;
}

/**
 * Wraps an HTTP function's handler: it parses its request, calls its use case and returns the
 * outcome; this chooses the request's dialect first (a Batch request that breaks Batch's own rules
 * is answered without the handler), then maps the outcome to the answer in that dialect, so that no
 * error escapes to the host, every answer carries `request-id` (and `client-request-id` when asked
 * for), and every invocation logs one structured line: ids, dialect, outcome, storage requests and
 * duration. Errors are logged with the request id and answered with a message that holds no internals.
 */
export function httpFunction(name: string, handle: (call: HttpCall) => Promise<HttpOutcome>, options: HttpFunctionOptions = {}): HttpHandler {
  return async (request, context) => {
    const started = performance.now();
    const requestId = randomUUID();
    const stats: RetryStats = { conflicts: 0, faults: 0 };
    const choice = options.speaksBatch === false ? { ok: true as const, dialect: ENVELOPE } : chooseDialect(request);
    const { count, result } = countStorageRequests(() =>
      choice.ok ? handle({ request, context, requestId, stats, dialect: choice.dialect }) : Promise.resolve<HttpOutcome>({ kind: 'invalid', issues: choice.issues }),
    );
    // A refused api-version or ocp-date came from a caller that speaks Batch: it is answered in Batch's form.
    const batch = !choice.ok || choice.dialect.kind === 'batch';
    const render = (outcome: HttpOutcome): HttpResponseInit =>
      batch
        ? batchAnswer(outcome, { baseUrl: new URL(request.url).origin, requestId, now: new Date(), request: { method: request.method, query: request.query, headers: request.headers } })
        : httpAnswer(outcome);
    let outcome: HttpOutcome;
    let response: HttpResponseInit;
    try {
      outcome = await result;
      response = render(outcome);
    } catch (error) {
      context.error(JSON.stringify({ requestId, route: name, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
      outcome = { kind: 'unexpected', message: `An unexpected error occurred; quote request-id ${requestId} when reporting it.` };
      response = render(outcome);
    }
    const headers = new Headers(response.headers);
    headers.set('request-id', requestId);
    // Batch and the envelope echo alike: the caller's own spelling, only when asked to.
    const clientRequestId = parseClientRequestId(request.headers);
    if (clientRequestId.ok && clientRequestId.value.echo && clientRequestId.value.given !== null) headers.set('client-request-id', clientRequestId.value.given);
    const event = outcome.kind === 'reactivated' ? outcome.event : null;
    const line = JSON.stringify({
      event: 'request',
      requestId,
      route: name,
      dialect: batch ? 'batch' : 'envelope',
      jobId: request.params.jobId ?? null,
      taskId: request.params.taskId ?? null,
      status: response.status ?? 200,
      outcome: outcomeCode(outcome),
      ...(event !== null ? { taskEvent: event } : {}),
      storageRequests: count.requests,
      conflicts: stats.conflicts,
      durationMs: Math.round(performance.now() - started),
    });
    // A committed reactivation whose event could not be sent at once is worth a warning: its check sends it later.
    if (event === 'left to the check') context.warn(line);
    else context.info(line);
    return { ...response, headers };
  };
}

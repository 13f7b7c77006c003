import { createHttpHeaders, RestError, type PipelinePolicy, type PipelineRequest } from '@azure/core-rest-pipeline';

/**
 * Faults injected at the storage boundary: pipeline policies placed per retry (see `tableWith`), so
 * the SDK's own retries see them too. Nothing of our code is stubbed; the request either reaches
 * Azurite or it does not, and the response either comes back or it does not.
 */

type Target = (request: Pick<PipelineRequest, 'method' | 'url'>) => boolean;

export const isCommit: Target = (request) => request.method === 'POST' && request.url.includes('$batch');
export const isJobRead: Target = (request) => request.method === 'GET' && decodeURIComponent(request.url).includes("RowKey='job'");
export const isTaskRead: Target = (request) => request.method === 'GET' && decodeURIComponent(request.url).includes("RowKey='task|");
export const isQuery: Target = (request) => request.method === 'GET' && decodeURIComponent(request.url).includes('$filter');
export const isRead: Target = (request) => request.method === 'GET';
export const anyRequest: Target = () => true;
/** Create Table: `POST <account>/Tables`. */
export const isCreateTable: Target = (request) => request.method === 'POST' && /\/Tables(\?|$)/.test(request.url);

/** A policy that counts how often it struck. */
export type FaultPolicy = PipelinePolicy & { struck: number };

export interface FaultOptions {
  when: Target;
  /** How many matching requests are hit; the rest pass. Infinity: every one. */
  times?: number;
}

function faultPolicy(name: string, options: FaultOptions, strike: FaultPolicy['sendRequest']): FaultPolicy {
  const times = options.times ?? Infinity;
  const policy: FaultPolicy = {
    name,
    struck: 0,
    sendRequest(request, next) {
      if (!options.when(request) || policy.struck >= times) return next(request);
      policy.struck += 1;
      return strike(request, next);
    },
  };
  return policy;
}

/**
 * Storage answers `status` without seeing the request, with the body Table Storage sends for it.
 * `headers` carries e.g. `Retry-After` for throttling.
 */
export function answerStatus(status: number, options: FaultOptions & { headers?: Record<string, string> }): FaultPolicy {
  const code = status === 429 ? 'TooManyRequests' : status === 503 ? 'ServerBusy' : status === 403 ? 'AuthorizationPermissionMismatch' : 'InternalError';
  const body = JSON.stringify({ 'odata.error': { code, message: { lang: 'en-US', value: `Injected ${status}.` } } });
  return faultPolicy(`answer${status}`, options, (request) =>
    Promise.resolve({
      request,
      status,
      headers: createHttpHeaders({ 'content-type': 'application/json;odata=minimalmetadata', 'x-ms-error-code': code, ...options.headers }),
      bodyAsText: body,
    }),
  );
}

function connectionReset(request: PipelineRequest): RestError {
  return new RestError('read ECONNRESET', { code: 'ECONNRESET', request });
}

/** The connection drops before the request reached storage: nothing happened there. */
export function resetBeforeSend(options: FaultOptions): FaultPolicy {
  return faultPolicy('resetBeforeSend', options, (request) => Promise.reject(connectionReset(request)));
}

/** Storage did the work, and the connection dropped while its response was on the way back. */
export function resetAfterSend(options: FaultOptions): FaultPolicy {
  return faultPolicy('resetAfterSend', options, async (request, next) => {
    await next(request);
    throw connectionReset(request);
  });
}

/** Storage did the work, and its response arrives `ms` later. */
export function slowResponse(ms: number, options: FaultOptions): FaultPolicy {
  return faultPolicy('slowResponse', options, async (request, next) => {
    const response = await next(request);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return response;
  });
}

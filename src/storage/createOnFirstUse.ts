import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';

import { statusOf } from './storageErrors';

/**
 * The table and the queues are created the first time storage says they are missing, not when the
 * app loads (no network call at cold start) and not by any use case. In Azure the Bicep creates
 * them and the identity may not create anything: there the creation is refused (403), and the
 * request's own answer (`TableNotFound`, `QueueNotFound`) stands as it would have without this.
 */

/** Refusals that another attempt will not change: the identity may not create the resource. */
const REFUSED = new Set([401, 403]);

/**
 * `create`, run at most once at a time and, once it has succeeded (or was refused), never again:
 * resolves true when the resource exists now. A failure of another kind (storage unavailable) is
 * forgotten, so a later request tries again.
 */
export function onceCreated(create: () => Promise<unknown>): () => Promise<boolean> {
  let outcome: Promise<boolean> | undefined;
  return () => {
    outcome ??= create().then(
      () => true,
      (error: unknown) => {
        if (!REFUSED.has(statusOf(error) ?? 0)) outcome = undefined;
        return false;
      },
    );
    return outcome;
  };
}

/**
 * Table Storage answers a request on a missing table with 404 and `x-ms-error-code: TableNotFound`;
 * a transaction (`$batch`) is answered 202 with that 404 inside its changeset response.
 */
export function isTableNotFound(response: PipelineResponse): boolean {
  if (response.status === 404) return response.headers.get('x-ms-error-code') === 'TableNotFound';
  if (response.status !== 202 || !response.request.url.includes('$batch')) return false;
  return /HTTP\/1\.1 404 [^\r\n]*\r\n[\s\S]*"code"\s*:\s*"TableNotFound"/.test(response.bodyAsText ?? '');
}

/**
 * A Tables pipeline policy (per retry): a request that meets a missing table creates it, once per
 * client, and is sent again. Nothing had been written (the table did not exist), so sending the
 * same request again is safe, transactions included.
 */
export function createMissingTablePolicy(createTable: () => Promise<boolean>): PipelinePolicy {
  return {
    name: 'createMissingTable',
    async sendRequest(request, next) {
      const response = await next(request);
      if (!isTableNotFound(response) || !(await createTable())) return response;
      return next(request);
    },
  };
}

/** Whether the Queue SDK threw for a missing queue. */
export function isQueueNotFound(error: unknown): boolean {
  return statusOf(error) === 404 && (error as { code?: unknown }).code === 'QueueNotFound';
}

/** `send`, and once more after creating the queue if the queue was missing. */
export async function sendCreatingQueue<T>(send: () => Promise<T>, createQueue: () => Promise<boolean>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (!isQueueNotFound(error) || !(await createQueue())) throw error;
    return send();
  }
}

import { RestError } from '@azure/data-tables';

/** Storage kept failing or throttling (5xx, 429, connection errors) after the SDK's own retries. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

/** The request's deadline ran out while storage was still working; the outcome may be unknown. */
export class StorageDeadlineError extends Error {
  override readonly name = 'StorageDeadlineError';
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'REQUEST_SEND_ERROR']);

export function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/**
 * The service's error code: in a transaction the SDK sets `code`; on a single operation it leaves it
 * undefined (Tables put it in `odata.error`), but the `x-ms-error-code` header carries it.
 */
function serviceCodeOf(error: RestError): string | undefined {
  return error.code ?? error.response?.headers.get('x-ms-error-code') ?? undefined;
}

/**
 * A 404 that means "no such row", as opposed to "no such table": a missing table is a wrong
 * setting or an unprovisioned account, and must not read as every job being absent.
 */
export function isMissingRow(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404 && serviceCodeOf(error) !== 'TableNotFound';
}

/**
 * Turns what the SDK throws into the few faults the service reasons about. Status codes decide,
 * never code strings: a single operation's `RestError.code` is undefined for Table errors (the
 * code sits in `odata.error`), while inside a transaction it is set.
 */
export function translateFault(error: unknown): Error {
  if (error instanceof Error && error.name === 'AbortError') {
    return new StorageDeadlineError('The deadline ran out during a storage call.', { cause: error });
  }
  if (error instanceof RestError) {
    const status = error.statusCode;
    if (status === undefined || status === 408 || status === 429 || status >= 500 || NETWORK_CODES.has(error.code ?? '')) {
      return new StorageUnavailableError(`Storage is unavailable (${String(status ?? error.code ?? 'no response')}).`, { cause: error });
    }
  }
  return error instanceof Error ? error : new Error(String(error));
}

import type { HttpResponseInit } from '@azure/functions';

import type { FieldIssue } from '../service/outcomes';
import type { ErrorCode } from './errorCodes';
import { ERROR_CODES } from './errorCodes';


export interface SuccessEnvelope<T> {
  success: true;
  data: T;
}

export interface ErrorEnvelope {
  success: false;
  error: { code: ErrorCode; message: string; details?: FieldIssue[] };
}

/** Seconds a caller should wait after SERVER_BUSY. */
const RETRY_AFTER_SECONDS = '1';

export function ok(data: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  const body: SuccessEnvelope<unknown> = { success: true, data };
  return { status: 200, jsonBody: body, headers };
}

/** The same envelope with 202: the work was taken on and goes on after the answer. */
export function accepted(data: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { ...ok(data, headers), status: 202 };
}

export function failure(code: ErrorCode, message: string, details?: FieldIssue[]): HttpResponseInit {
  const body: ErrorEnvelope = { success: false, error: { code, message, ...(details !== undefined ? { details } : {}) } };
  const headers: Record<string, string> = code === 'SERVER_BUSY' ? { 'Retry-After': RETRY_AFTER_SECONDS } : {};
  return { status: ERROR_CODES[code].status, jsonBody: body, headers };
}

export function invalid(details: FieldIssue[]): HttpResponseInit {
  const summary = details.map((issue) => `${issue.field} ${issue.message}`).join('; ');
  return failure('VALIDATION_ERROR', `Invalid request: ${summary}.`, details);
}

/** The code an answer carries, for the invocation's log line. */
export function outcomeOf(response: HttpResponseInit): string {
  const body = response.jsonBody as Partial<ErrorEnvelope> | undefined;
  return body?.success === false && body.error !== undefined ? body.error.code : 'OK';
}

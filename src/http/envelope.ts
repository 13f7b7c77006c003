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

/** The headers an error answer carries besides its body, in either dialect: `Retry-After` after SERVER_BUSY. */
export function errorHeaders(code: ErrorCode): Record<string, string> {
  return code === 'SERVER_BUSY' ? { 'Retry-After': RETRY_AFTER_SECONDS } : {};
}

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
  return { status: ERROR_CODES[code].status, jsonBody: body, headers: errorHeaders(code) };
}

export function invalid(details: FieldIssue[]): HttpResponseInit {
  const summary = details.map((issue) => `${issue.field} ${issue.message}`).join('; ');
  return failure('VALIDATION_ERROR', `Invalid request: ${summary}.`, details);
}

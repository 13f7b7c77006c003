import { z } from 'zod';

/** The content type of every Batch JSON answer, written without a space as Batch writes it. */
export const BATCH_JSON_CONTENT_TYPE = 'application/json;odata=minimalmetadata';

/**
 * Batch writes times as ISO-8601 UTC with seven fractional digits (.NET's tick precision). This app
 * keeps milliseconds, so the last four digits are always zero; clients parse either.
 */
export function batchTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a time: ${iso}`);
  return `${date.toISOString().slice(0, 23)}0000Z`;
}

export const batchTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/)
  .describe('ISO-8601 UTC with seven fractional digits, e.g. 2025-01-01T08:06:00.0000000Z.');

/**
 * `{ name: value }` when there is a value and `{}` when there is none, for spreading: Batch leaves
 * out a property that has no value rather than sending null.
 */
export function present<K extends string, V>(name: K, value: V | null): { [P in K]?: V };
export function present<K extends string, V, R>(name: K, value: V | null, map: (v: V) => R): { [P in K]?: R };
export function present<K extends string, V, R>(name: K, value: V | null, map?: (v: V) => R): { [P in K]?: V | R } {
  if (value === null) return {};
  return { [name]: map === undefined ? value : map(value) } as { [P in K]?: V | R };
}

/** The origin (and any path prefix) the resource URLs start with, without a trailing slash. */
export function normalizedBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** `odata.metadata` of a single entity, e.g. `{base}/$metadata#tasks/@Element`. */
export function odataMetadata(baseUrl: string, entitySet: string): string {
  return `${normalizedBase(baseUrl)}/$metadata#${entitySet}/@Element`;
}

export function jobUrl(baseUrl: string, jobId: string): string {
  return `${normalizedBase(baseUrl)}/jobs/${encodeURIComponent(jobId)}`;
}

export function taskUrl(baseUrl: string, jobId: string, taskId: string): string {
  return `${jobUrl(baseUrl, jobId)}/tasks/${encodeURIComponent(taskId)}`;
}

/**
 * The `DataServiceId` header: the URL of the operation, as Batch sends it on writes. Batch's
 * recordings show it on terminate (`/jobs/{id}/terminate`) and not on Get Job; for reactivate the
 * action path is the analogue.
 */
export function dataServiceId(baseUrl: string, operation: { kind: 'reactivateTask'; jobId: string; taskId: string } | { kind: 'terminateJob'; jobId: string }): string {
  return operation.kind === 'reactivateTask' ? `${taskUrl(baseUrl, operation.jobId, operation.taskId)}/reactivate` : `${jobUrl(baseUrl, operation.jobId)}/terminate`;
}

import { z } from 'zod';

import type { FieldIssue } from '../../service/outcomes';
import { ERROR_CODES, type ErrorCode } from '../errorCodes';
import { batchTime, normalizedBase } from './wire';

/**
 * The Batch error codes this app answers, with Batch's status and user message (docs/batch-wire-format.md
 * gives the source of each). This is the only place a Batch code, status or message is written.
 */
export const BATCH_ERRORS = {
  MissingRequiredQueryParameter: { status: 400, message: 'A required query parameter was not specified for this request.' },
  InvalidQueryParameterValue: { status: 400, message: 'Value for one of the query parameters specified in the request URI is invalid.' },
  InvalidHeaderValue: { status: 400, message: 'The value provided for one of the HTTP headers was not in the correct format.' },
  MultipleConditionHeadersNotSupported: { status: 400, message: 'Multiple condition headers are not supported.' },
  InvalidRequestBody: { status: 400, message: 'The specified Request Body is not syntactically valid.' },
  InvalidPropertyValue: { status: 400, message: 'The value provided for one of the property in the request body is invalid.' },
  UnsupportedProperty: { status: 400, message: 'One of the properties specified in the request body is not supported.' },
  InvalidInput: { status: 400, message: 'One of the request inputs is not valid.' },
  RequestBodyTooLarge: { status: 413, message: 'The size of the request body exceeds the maximum size permitted.' },
  JobNotFound: { status: 404, message: 'The specified job does not exist.' },
  TaskNotFound: { status: 404, message: 'The specified task does not exist.' },
  ConditionNotMet: { status: 412, message: 'The condition specified in the conditional header(s) was not met for a write operation.' },
  JobCompleted: { status: 409, message: 'The specified job is already in a completed state.' },
  JobBeingTerminated: { status: 409, message: 'The specified job is being terminated.' },
  JobBeingDeleted: { status: 409, message: 'The specified job has been marked for deletion and is being garbage collected.' },
  TaskNotCompleted: { status: 409, message: 'The specified task is not in a completed state, and the requested operation can be performed only on completed tasks.' },
  TaskSucceeded: { status: 409, message: 'The specified task has already completed successfully, and the requested operation cannot be performed on successful tasks.' },
  OperationTimedOut: { status: 500, message: 'The operation could not be completed within the permitted time.' },
  InternalError: { status: 500, message: 'The server encountered an internal error. Please retry the request.' },
  ServerBusy: { status: 503, message: 'The server is currently unable to receive requests. Please retry your request.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type BatchErrorCode = keyof typeof BATCH_ERRORS;

/**
 * Batch words ConditionNotMet for a read apart from a write. A read's unmet If-None-Match or
 * If-Modified-Since is no error at all (a bodiless 304, the `notModified` outcome); its unmet
 * If-Match or If-Unmodified-Since is a 412 like a write's, with this wording.
 */
const CONDITION_NOT_MET_ON_READ = 'The condition specified in the conditional header(s) was not met for a read operation.';

export interface BatchErrorValue {
  key: string;
  value: string;
}

/** What went wrong, in Batch's terms, before it is dressed as an answer. */
export interface BatchIssue {
  code: BatchErrorCode;
  values: BatchErrorValue[];
}

export const batchErrorSchema = z.strictObject({
  'odata.metadata': z.string(),
  code: z.enum(Object.keys(BATCH_ERRORS) as [BatchErrorCode, ...BatchErrorCode[]]),
  message: z.strictObject({ lang: z.literal('en-US'), value: z.string() }),
  values: z.array(z.strictObject({ key: z.string(), value: z.string() })).min(1).optional(),
});
export type BatchErrorBody = z.infer<typeof batchErrorSchema>;

export interface BatchErrorAnswer {
  status: number;
  code: BatchErrorCode;
  body: BatchErrorBody;
}

export interface BatchErrorContext {
  baseUrl: string;
  requestId: string;
  now: Date;
  /** GET is a read; every other method a write. */
  operation: 'read' | 'write';
}

export function batchIssueAnswer(issue: BatchIssue, context: BatchErrorContext): BatchErrorAnswer {
  const entry = BATCH_ERRORS[issue.code];
  const message = issue.code === 'ConditionNotMet' && context.operation === 'read' ? CONDITION_NOT_MET_ON_READ : entry.message;
  const body: BatchErrorBody = {
    'odata.metadata': `${normalizedBase(context.baseUrl)}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`,
    code: issue.code,
    // Batch closes every message with the request id and the time, on lines of their own.
    message: { lang: 'en-US', value: `${message}\nRequestId:${context.requestId}\nTime:${batchTime(context.now.toISOString())}` },
    ...(issue.values.length > 0 ? { values: issue.values } : {}),
  };
  return { status: entry.status, code: issue.code, body };
}

function isBatchErrorCode(code: string): code is BatchErrorCode {
  return Object.hasOwn(BATCH_ERRORS, code);
}

/**
 * A refusal or fault of this app in Batch's terms. The Batch code is the one `ERROR_CODES` already
 * names for it; the app's own sentence, more precise than Batch's, travels as the `Reason`.
 */
export function batchIssueOfCode(code: ErrorCode, reason?: string): BatchIssue {
  const batchCode = ERROR_CODES[code].batchCode;
  const values = reason === undefined ? [] : [{ key: 'Reason', value: reason }];
  // VALIDATION_ERROR stands for several Batch codes; without its issues only the generic one fits.
  return { code: isBatchErrorCode(batchCode) ? batchCode : 'InvalidInput', values };
}

export interface RequestParts {
  query: URLSearchParams;
  headers: Headers;
}

function queryValue(query: URLSearchParams, name: string): string {
  const lower = name.toLowerCase();
  return [...query.entries()].find(([key]) => key.toLowerCase() === lower)?.[1] ?? '';
}

interface Rule {
  /** Lower ranks win when a request has several issues: syntax before existence, as Batch checks [I]. */
  rank: number;
  code: BatchErrorCode;
  matches: (issue: FieldIssue) => boolean;
  values: (issue: FieldIssue, request: RequestParts) => BatchErrorValue[];
}

const QUERY_PARAMETERS = new Set(['timeout', 'api-version']);
const HEADERS = new Set(['client-request-id', 'return-client-request-id', 'ocp-date', 'x-ms-client-request-id', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']);
/** The wording of `parseJsonBody`'s size refusal and of `fromZod`'s unknown field; tests pin both. */
const BODY_TOO_LARGE = /^must be at most \d+ bytes$/;
const UNKNOWN_FIELD = 'is not a known field';
const reason = (i: FieldIssue): BatchErrorValue => ({ key: 'Reason', value: i.message });
const property = (i: FieldIssue): BatchErrorValue => ({ key: 'PropertyName', value: i.field.slice('body.'.length) });

const RULES: Rule[] = [
  {
    rank: 1,
    code: 'InvalidQueryParameterValue',
    matches: (i) => QUERY_PARAMETERS.has(i.field.toLowerCase()),
    values: (i, r) => [{ key: 'QueryParameterName', value: i.field }, { key: 'QueryParameterValue', value: queryValue(r.query, i.field) }, reason(i)],
  },
  { rank: 2, code: 'MultipleConditionHeadersNotSupported', matches: (i) => i.field === 'conditional headers', values: (i) => [reason(i)] },
  {
    rank: 2,
    code: 'InvalidHeaderValue',
    matches: (i) => HEADERS.has(i.field.toLowerCase()),
    values: (i, r) => [{ key: 'HeaderName', value: i.field }, { key: 'HeaderValue', value: r.headers.get(i.field) ?? '' }, reason(i)],
  },
  { rank: 3, code: 'RequestBodyTooLarge', matches: (i) => i.field === 'body' && BODY_TOO_LARGE.test(i.message), values: (i) => [reason(i)] },
  { rank: 3, code: 'InvalidRequestBody', matches: (i) => i.field === 'body', values: (i) => [reason(i)] },
  { rank: 3, code: 'UnsupportedProperty', matches: (i) => i.field.startsWith('body.') && i.message === UNKNOWN_FIELD, values: (i) => [property(i)] },
  { rank: 3, code: 'InvalidPropertyValue', matches: (i) => i.field.startsWith('body.'), values: (i) => [property(i), reason(i)] },
  // An id that breaks Batch's id rules names nothing that can exist [I].
  { rank: 4, code: 'JobNotFound', matches: (i) => i.field === 'jobId', values: () => [] },
  { rank: 4, code: 'TaskNotFound', matches: (i) => i.field === 'taskId', values: () => [] },
  { rank: 5, code: 'InvalidInput', matches: () => true, values: (i) => [{ key: 'Reason', value: `${i.field} ${i.message}` }] },
];

/** Every Batch code a request that does not parse can be answered with, for the OpenAPI document. */
export const FIELD_ISSUE_CODES: readonly BatchErrorCode[] = [...new Set(RULES.map((rule) => rule.code))];

function ruleOf(issue: FieldIssue): Rule {
  const rule = RULES.find((candidate) => candidate.matches(issue));
  if (rule === undefined) throw new Error('the last rule matches every issue');
  return rule;
}

/** Batch reports one error per answer: the issue of the lowest rank, the first given among equals. */
export function batchIssueOfFields(issues: readonly FieldIssue[], request: RequestParts): BatchIssue {
  let chosen: { rule: Rule; issue: FieldIssue } | null = null;
  for (const issue of issues) {
    const rule = ruleOf(issue);
    if (chosen === null || rule.rank < chosen.rule.rank) chosen = { rule, issue };
  }
  if (chosen === null) return { code: 'InvalidInput', values: [] };
  return { code: chosen.rule.code, values: chosen.rule.values(chosen.issue, request) };
}

import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';

import { NO_CONDITION, type Condition } from '../domain/conditions';
import { DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS } from '../service/deadline';
import type { FieldIssue } from './envelope';
import { parseHttpDate } from './httpDate';

/** Each part of a request parses to a value or to the issues that name its fields. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

function valid<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function issue(field: string, message: string): Parsed<never> {
  return { ok: false, issues: [{ field, message }] };
}

export function fromZod<T, I = unknown>(schema: z.ZodType<T, I>, value: unknown, prefix = ''): Parsed<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return valid(parsed.data);
  const field = (path: PropertyKey[]): string => [prefix, ...path.map(String)].filter(Boolean).join('.') || 'body';
  return {
    ok: false,
    // An unknown key is named as a field of its own, rather than as "the object has unknown keys".
    issues: parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys' ? i.keys.map((key) => ({ field: field([...i.path, key]), message: 'is not a known field' })) : [{ field: field(i.path), message: i.message }],
    ),
  };
}

/** Gathers several parts; every issue of every part is reported, not only the first. */
export function all<T extends readonly Parsed<unknown>[]>(
  ...parts: T
): Parsed<{ [K in keyof T]: T[K] extends Parsed<infer V> ? V : never }> {
  const issues = parts.flatMap((part) => (part.ok ? [] : part.issues));
  if (issues.length > 0) return { ok: false, issues };
  return valid(parts.map((part) => (part as { value: unknown }).value) as { [K in keyof T]: T[K] extends Parsed<infer V> ? V : never });
}

/**
 * What the hand-written parsers below accept, as zod schemas for the OpenAPI document. Each sits
 * beside the parser it describes, so a change to one is made in view of the other.
 */
export const timeoutQuerySchema = z.object({
  timeout: z
    .int()
    .min(1)
    .default(DEFAULT_TIMEOUT_SECONDS)
    .optional()
    .describe(`Seconds the server may spend, default ${DEFAULT_TIMEOUT_SECONDS}; above ${MAX_TIMEOUT_SECONDS} is served as ${MAX_TIMEOUT_SECONDS}. Also spelled timeOut.`),
});

export const clientRequestHeadersSchema = z.object({
  'client-request-id': z.uuid().optional().describe('A UUID; also the idempotency key of a reactivation.'),
  'return-client-request-id': z.enum(['true', 'false']).optional().describe('true: echo client-request-id in the answer.'),
});

export const conditionalHeadersSchema = z.object({
  'If-Match': z.string().optional().describe('The task ETag as sent in ETag, or *.'),
  'If-None-Match': z.string().optional().describe('The task ETag as sent in ETag, or *.'),
  'If-Modified-Since': z.string().optional().describe('An HTTP date, e.g. Sun, 06 Nov 1994 08:49:37 GMT.'),
  'If-Unmodified-Since': z.string().optional().describe('An HTTP date, e.g. Sun, 06 Nov 1994 08:49:37 GMT.'),
});

/**
 * `timeout` in seconds, under any spelling of its case (`timeout`, Batch's newer `timeOut`).
 * Values above 30 are served as 30, as Batch does; anything but a positive integer is refused.
 */
export function parseTimeout(query: URLSearchParams): Parsed<number> {
  const given = [...query.entries()].filter(([name]) => name.toLowerCase() === 'timeout');
  if (given.length === 0) return valid(DEFAULT_TIMEOUT_SECONDS);
  const [entry] = given;
  if (given.length > 1 || entry === undefined) return issue('timeout', 'must be given at most once');
  const [name, raw] = entry;
  if (!/^[0-9]{1,16}$/.test(raw) || Number(raw) < 1) return issue(name, 'must be a whole number of seconds, 1 or more');
  // Values above 30 are accepted here; the deadline serves them as 30.
  return valid(Number(raw));
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ClientRequestId {
  /** As the caller spelled it, to echo back; null when absent. */
  given: string | null;
  /** Lower-cased: GUIDs are case-insensitive, and this is the idempotency key. */
  key: string | null;
  echo: boolean;
}

export function parseClientRequestId(headers: Headers): Parsed<ClientRequestId> {
  const given = headers.get('client-request-id');
  const echoRaw = headers.get('return-client-request-id');
  const issues: FieldIssue[] = [];
  if (given !== null && !GUID.test(given.trim())) issues.push({ field: 'client-request-id', message: 'must be a UUID such as 9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11' });
  if (echoRaw !== null && !/^(true|false)$/i.test(echoRaw.trim())) issues.push({ field: 'return-client-request-id', message: 'must be true or false' });
  if (issues.length > 0) return { ok: false, issues };
  const trimmed = given?.trim() ?? null;
  return valid({ given: trimmed, key: trimmed?.toLowerCase() ?? null, echo: echoRaw?.trim().toLowerCase() === 'true' });
}

const ETAG_RULE = 'must be an entity tag as sent in the ETag header, or *';

function validEtag(value: string): boolean {
  return value.length > 0 && value.length <= 256 && /^[\x21-\x7e]+$/.test(value);
}

/**
 * The conditional headers, reduced to the one condition that decides: a single header, or one of
 * the two pairs HTTP allows (If-Match + If-Unmodified-Since, If-None-Match + If-Modified-Since),
 * where the ETag header decides. Any other combination is refused, as Batch does.
 */
export function parseCondition(headers: Headers): Parsed<Condition> {
  const ifMatch = headers.get('if-match')?.trim() ?? null;
  const ifNoneMatch = headers.get('if-none-match')?.trim() ?? null;
  const ifModifiedSince = headers.get('if-modified-since');
  const ifUnmodifiedSince = headers.get('if-unmodified-since');
  const issues: FieldIssue[] = [];
  const present = [ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince].filter((value) => value !== null).length;
  const allowedPair = (ifMatch !== null && ifUnmodifiedSince !== null) || (ifNoneMatch !== null && ifModifiedSince !== null);
  if (present > 2 || (present === 2 && !allowedPair)) {
    issues.push({
      field: 'conditional headers',
      message: 'at most one is allowed, except the pairs If-Match with If-Unmodified-Since and If-None-Match with If-Modified-Since',
    });
  }
  if (ifMatch !== null && !validEtag(ifMatch)) issues.push({ field: 'If-Match', message: ETAG_RULE });
  if (ifNoneMatch !== null && !validEtag(ifNoneMatch)) issues.push({ field: 'If-None-Match', message: ETAG_RULE });
  const modifiedSince = ifModifiedSince === null ? null : parseHttpDate(ifModifiedSince);
  const unmodifiedSince = ifUnmodifiedSince === null ? null : parseHttpDate(ifUnmodifiedSince);
  const DATE_RULE = 'must be an HTTP date such as Sun, 06 Nov 1994 08:49:37 GMT';
  if (ifModifiedSince !== null && modifiedSince === null) issues.push({ field: 'If-Modified-Since', message: DATE_RULE });
  if (ifUnmodifiedSince !== null && unmodifiedSince === null) issues.push({ field: 'If-Unmodified-Since', message: DATE_RULE });
  if (issues.length > 0) return { ok: false, issues };

  if (ifMatch !== null) return valid({ kind: 'ifMatch', etag: ifMatch });
  if (ifNoneMatch !== null) return valid({ kind: 'ifNoneMatch', etag: ifNoneMatch });
  if (modifiedSince !== null) return valid({ kind: 'ifModifiedSince', date: modifiedSince });
  if (unmodifiedSince !== null) return valid({ kind: 'ifUnmodifiedSince', date: unmodifiedSince });
  return valid(NO_CONDITION);
}

const CONDITIONAL_HEADERS = ['If-Match', 'If-None-Match', 'If-Modified-Since', 'If-Unmodified-Since'];

/** For routes that act on many resources at once, where a precondition on one resource means nothing. */
export function refuseConditions(headers: Headers): Parsed<null> {
  const given = CONDITIONAL_HEADERS.filter((name) => headers.has(name));
  if (given.length === 0) return valid(null);
  return { ok: false, issues: given.map((field) => ({ field, message: 'is not accepted here: a condition applies to one task, use the single reactivation' })) };
}

/** Bodies are small JSON objects; anything larger is refused before it is parsed. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * An optional JSON object body: empty means `{}`. The text is read whatever the content type says,
 * so a client that forgets the header is not refused for it. A route whose body holds long lists
 * passes a larger limit of its own.
 */
export async function parseJsonBody<T, I = unknown>(request: HttpRequest, schema: z.ZodType<T, I>, maxBytes = MAX_BODY_BYTES): Promise<Parsed<T>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return issue('body', `must be at most ${maxBytes} bytes`);
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) return issue('body', `must be at most ${maxBytes} bytes`);
  if (text.trim() === '') return fromZod(schema, {}, 'body');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return issue('body', 'must be empty or a JSON object');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return issue('body', 'must be empty or a JSON object');
  return fromZod(schema, json, 'body');
}

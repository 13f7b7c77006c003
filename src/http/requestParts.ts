import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';

import type { FieldIssue } from '../service/outcomes';
import type { Dialect } from './dialect';
import { DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS } from '../service/deadline';

/**
 * The parts of a request (path, query, headers, body) are parsed by the zod schemas below, the same
 * schemas the OpenAPI document is generated from, so the document cannot say one thing and the
 * parser do another. Each part parses to a value or to the issues that name its fields.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

export function valid<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function issue(field: string, message: string): Parsed<never> {
  return { ok: false, issues: [{ field, message }] };
}

/** `name` maps a schema key to the field an issue names (a query parameter as the caller spelled it). */
export function fromZod<T, I = unknown>(schema: z.ZodType<T, I>, value: unknown, prefix = '', name: (key: string) => string = (key) => key): Parsed<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return valid(parsed.data);
  const field = (path: PropertyKey[]): string => [prefix, ...path.map((part, index) => (index === 0 ? name(String(part)) : String(part)))].filter(Boolean).join('.') || 'body';
  return {
    ok: false,
    // An unknown key is named as a field of its own, rather than as "the object has unknown keys".
    issues: parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys' ? i.keys.map((key) => ({ field: field([...i.path, key]), message: 'is not a known field' })) : [{ field: field(i.path), message: i.message }],
    ),
  };
}

/** Gathers several parts; every issue of every part is reported, not only the first. */
export function all<T extends readonly Parsed<unknown>[]>(...parts: T): Parsed<{ [K in keyof T]: T[K] extends Parsed<infer V> ? V : never }> {
  const issues = parts.flatMap((part) => (part.ok ? [] : part.issues));
  if (issues.length > 0) return { ok: false, issues };
  return valid(parts.map((part) => (part as { value: unknown }).value) as { [K in keyof T]: T[K] extends Parsed<infer V> ? V : never });
}

/**
 * The query parameters a schema names, matched case-insensitively (Batch's `timeout` is `timeOut`
 * in its newer versions). A parameter given twice, under any spelling, is refused.
 */
export function parseQuery<T>(schema: z.ZodObject & z.ZodType<T>, query: URLSearchParams): Parsed<T> {
  const values: Record<string, string> = {};
  const spelling = new Map<string, string>();
  for (const key of Object.keys(schema.shape)) {
    const given = [...query.entries()].filter(([name]) => name.toLowerCase() === key.toLowerCase());
    const [first] = given;
    if (first === undefined) continue;
    if (given.length > 1) return issue(key, 'must be given at most once');
    values[key] = first[1];
    spelling.set(key, first[0]);
  }
  return fromZod(schema, values, '', (key) => spelling.get(key) ?? key);
}

/** The headers a schema names, read case-insensitively as HTTP has them. */
export function parseHeaders<T>(schema: z.ZodType<T> & { shape: Record<string, unknown> }, headers: Headers): Parsed<T> {
  const values = Object.fromEntries(Object.keys(schema.shape).flatMap((name) => {
    const value = headers.get(name);
    return value === null ? [] : [[name, value]];
  }));
  return fromZod(schema, values);
}

const TIMEOUT_RULE = 'must be a whole number of seconds, 1 or more';

/** Values above 30 are accepted here, as Batch accepts them; the deadline serves them as 30. */
export const timeoutQuerySchema = z.object({
  timeout: z
    .string()
    .regex(/^[0-9]{1,16}$/, TIMEOUT_RULE)
    .transform(Number)
    .refine((seconds) => seconds >= 1, TIMEOUT_RULE)
    .optional()
    .describe(`Seconds the server may spend, default ${DEFAULT_TIMEOUT_SECONDS}; above ${MAX_TIMEOUT_SECONDS} is served as ${MAX_TIMEOUT_SECONDS}. Also spelled timeOut.`),
});

export function parseTimeout(query: URLSearchParams): Parsed<number> {
  const parsed = parseQuery(timeoutQuerySchema, query);
  return parsed.ok ? valid(parsed.value.timeout ?? DEFAULT_TIMEOUT_SECONDS) : parsed;
}

/** GUIDs as callers write them (any case, surrounding spaces trimmed), without braces. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const guidHeaderSchema = z.string().trim().regex(GUID, 'must be a UUID such as 9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11');

export const clientRequestHeadersSchema = z.object({
  'client-request-id': guidHeaderSchema.optional().describe('A UUID; also the idempotency key of a reactivation.'),
  'return-client-request-id': z
    .string()
    .trim()
    .regex(/^(true|false)$/i, 'must be true or false')
    .optional()
    .describe('true: echo client-request-id in the answer.'),
});

export interface ClientRequestId {
  /** As the caller spelled it, to echo back; null when absent. */
  given: string | null;
  /** Lower-cased: GUIDs are case-insensitive, and this is the idempotency key (see parseClientRequestId). */
  key: string | null;
  echo: boolean;
}

/**
 * In Batch's dialect a request without client-request-id is keyed by the id @azure/batch generates
 * for every call (`x-ms-client-request-id`, the same on the SDK's own retries), which the dialect
 * has already read; the envelope knows client-request-id alone.
 */
export function parseClientRequestId(headers: Headers, dialect?: Dialect): Parsed<ClientRequestId> {
  const parsed = parseHeaders(clientRequestHeadersSchema, headers);
  if (!parsed.ok) return parsed;
  const given = parsed.value['client-request-id'] ?? null;
  const generated = dialect?.kind === 'batch' ? dialect.sdkClientRequestId : null;
  return valid({ given, key: given?.toLowerCase() ?? generated, echo: parsed.value['return-client-request-id']?.toLowerCase() === 'true' });
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

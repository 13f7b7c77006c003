import type { HttpRequest } from '@azure/functions';

import type { FieldIssue } from '../service/outcomes';
import { parseApiVersion, type BatchApiVersion } from './batch/apiVersion';
import { parseBatchHeaders } from './batch/batchHeaders';

/**
 * The wire format a request speaks, chosen once per request, by `api-version`. Without one, the
 * seed's envelope (the seed's own calls send none). With one, Azure Batch's: every Batch client
 * sends it, so a Batch SDK pointed at the app works unchanged. The dialect decides how the request's
 * few Batch-only parts are read and which of the two mappings renders the answer; the rules, checks
 * and refusals behind both are the same.
 */
export type Dialect = { kind: 'envelope' } | { kind: 'batch'; version: BatchApiVersion; sdkClientRequestId: string | null };

export const ENVELOPE: Dialect = { kind: 'envelope' };

/** A dialect, or the issues of a request that asked for Batch's and broke one of its rules: answered in Batch's form. */
export type DialectChoice = { ok: true; dialect: Dialect } | { ok: false; issues: FieldIssue[] };

export function chooseDialect(request: Pick<HttpRequest, 'query' | 'headers'>): DialectChoice {
  const version = parseApiVersion(request.query);
  if (version.kind === 'absent') return { ok: true, dialect: ENVELOPE };
  if (version.kind === 'refused') return { ok: false, issues: version.issues };
  const headers = parseBatchHeaders(request.headers);
  if (!headers.ok) return headers;
  return { ok: true, dialect: { kind: 'batch', version: version.version, sdkClientRequestId: headers.value.sdkClientRequestId } };
}

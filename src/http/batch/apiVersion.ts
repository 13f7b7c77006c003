import { z } from 'zod';

import type { FieldIssue } from '../../service/outcomes';
import { parseQuery } from '../requestParts';
import type { BatchIssue } from './batchError';

/**
 * Every Batch data-plane api-version, oldest first (docs/batch-wire-format.md has the sources). Up to
 * 2024-07-01.20.0 the form is `YYYY-MM-DD.major.minor`; the TypeSpec-era service dropped the suffix.
 */
export const BATCH_API_VERSIONS = [
  '2014-10-01.1.0',
  '2015-03-01.1.1',
  '2015-06-01.2.0',
  '2015-11-01.2.1',
  '2015-12-01.2.2',
  '2016-02-01.3.0',
  '2016-07-01.3.1',
  '2017-01-01.4.0',
  '2017-05-01.5.0',
  '2017-06-01.5.1',
  '2017-09-01.6.0',
  '2018-03-01.6.1',
  '2018-08-01.7.0',
  '2018-12-01.8.0',
  '2019-06-01.9.0',
  '2019-08-01.10.0',
  '2020-03-01.11.0',
  '2020-09-01.12.0',
  '2021-06-01.14.0',
  '2022-01-01.15.0',
  '2022-10-01.16.0',
  '2023-05-01.17.0',
  '2023-11-01.18.0',
  '2024-02-01.19.0',
  '2024-07-01.20.0',
  '2025-06-01',
] as const;
export type BatchApiVersion = (typeof BATCH_API_VERSIONS)[number];

/** Reactivate Task appeared in this version; the versions before it have no such operation. */
export const FIRST_VERSION_WITH_REACTIVATE: BatchApiVersion = '2016-07-01.3.1';

export function hasReactivate(version: BatchApiVersion): boolean {
  return BATCH_API_VERSIONS.indexOf(version) >= BATCH_API_VERSIONS.indexOf(FIRST_VERSION_WITH_REACTIVATE);
}

/**
 * The `api-version` query parameter, as the OpenAPI document shows it and the parser reads it: the
 * name in any case (Batch's SharedKey canonicalisation lower-cases query names), once, and a value
 * Batch defines, exactly.
 */
export const apiVersionQuerySchema = z.object({
  'api-version': z
    .enum(BATCH_API_VERSIONS, { error: 'not a Batch data-plane api-version' })
    .optional()
    .describe("An Azure Batch data-plane version. Given, the request and its answer are in Batch's wire format (docs/batch-wire-format.md); absent, in the envelope."),
});

export type ApiVersionQuery =
  /** No api-version: the request is for this app's own envelope. */
  | { kind: 'absent' }
  | { kind: 'known'; version: BatchApiVersion }
  /** Refused as Batch refuses it (batchIssueOfFields makes them InvalidQueryParameterValue). */
  | { kind: 'refused'; issues: FieldIssue[] };

export function parseApiVersion(query: URLSearchParams): ApiVersionQuery {
  const parsed = parseQuery(apiVersionQuerySchema, query);
  if (!parsed.ok) return { kind: 'refused', issues: parsed.issues };
  const version = parsed.value['api-version'];
  return version === undefined ? { kind: 'absent' } : { kind: 'known', version };
}

/**
 * What Batch answers when a Batch request lacks api-version. This app routes such a request to its
 * own envelope instead, so this is for callers that have already chosen the Batch wire (for example
 * by another Batch-only header).
 */
export const MISSING_API_VERSION: BatchIssue = {
  code: 'MissingRequiredQueryParameter',
  values: [{ key: 'QueryParameterName', value: 'api-version' }],
};

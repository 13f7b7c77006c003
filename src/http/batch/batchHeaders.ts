import { z } from 'zod';

import { httpDateHeaderSchema } from '../conditionalHeaders';
import { guidHeaderSchema, parseHeaders, type Parsed } from '../requestParts';

/**
 * The request headers only Batch's dialect has. `ocp-date` is when the client sent the request:
 * Batch checks it against its clock (15 minutes) only while verifying a SharedKey signature, and
 * this app authenticates with a function key, so it checks the form alone.
 * `x-ms-client-request-id` is what @azure/batch generates for every call, before its retry
 * policies, so that all the tries of one call carry the same id: the app keys a request by it when
 * the caller gave no client-request-id (docs/batch-wire-format.md says why).
 */
export const batchHeadersSchema = z.object({
  'ocp-date': httpDateHeaderSchema.optional().describe('When the client sent the request, as an HTTP date; its form is checked, not the clock.'),
  'x-ms-client-request-id': guidHeaderSchema
    .optional()
    .describe('The id @azure/batch generates for each call and keeps across its own retries; the idempotency key when client-request-id is absent.'),
});

export interface BatchHeaders {
  ocpDate: Date | null;
  /** Lower-cased, as idempotency keys are. */
  sdkClientRequestId: string | null;
}

export function parseBatchHeaders(headers: Headers): Parsed<BatchHeaders> {
  const parsed = parseHeaders(batchHeadersSchema, headers);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { ocpDate: parsed.value['ocp-date'] ?? null, sdkClientRequestId: parsed.value['x-ms-client-request-id']?.toLowerCase() ?? null } };
}

import { parseHttpDate } from '../httpDate';
import type { Parsed } from '../requestParts';

/**
 * `ocp-date`: when the client sent the request, as an HTTP date. Batch checks it against the clock
 * (15 minutes) only as part of verifying a SharedKey signature; this app authenticates with a
 * function key, so it checks the form alone.
 */
export function parseOcpDate(headers: Headers): Parsed<Date | null> {
  const raw = headers.get('ocp-date');
  if (raw === null) return { ok: true, value: null };
  const date = parseHttpDate(raw);
  if (date === null) return { ok: false, issues: [{ field: 'ocp-date', message: 'must be an HTTP date such as Sun, 06 Nov 1994 08:49:37 GMT' }] };
  return { ok: true, value: date };
}

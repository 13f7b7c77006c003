import { z } from 'zod';

/** Times travel as ISO-8601 UTC strings with milliseconds, as `Date.prototype.toISOString` writes them. */
export const isoTimeSchema = z.iso.datetime({ offset: false, precision: 3, error: 'must be an ISO-8601 UTC time such as 2025-01-01T00:00:00.000Z' });

export function isoTime(date: Date): string {
  return date.toISOString();
}

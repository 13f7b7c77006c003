import { createHash } from 'node:crypto';

/**
 * A UUID derived from a request key and what it led to, so that a redelivered request leads to the
 * very same id again (the same refusal event, the same follow-up request) and its repeat is
 * recognised downstream.
 */
export function stableId(key: string, about: string): string {
  const hex = createHash('sha256').update(`${key}|${about}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

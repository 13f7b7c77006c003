import { z } from 'zod';

/**
 * An entity tag as a caller sends it back (`If-Match`, `If-None-Match`, a queued request's
 * `if_match`): an opaque token of visible ASCII, or `*`. Compared exactly as the `ETag` header gave it.
 */
export const entityTagSchema = z
  .string()
  .trim()
  .min(1, 'must be an entity tag as sent in the ETag header, or *')
  .max(256, 'must be at most 256 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be an entity tag as sent in the ETag header, or *');

/**
 * The precondition of a request, at most one, as HTTP allows it. The two permitted pairs
 * (If-Match + If-Unmodified-Since, If-None-Match + If-Modified-Since) are decided by their ETag
 * header alone, so the adapter reduces them to that one before the domain sees them.
 */
export type Condition =
  | { kind: 'none' }
  | { kind: 'ifMatch'; etag: string }
  | { kind: 'ifNoneMatch'; etag: string }
  | { kind: 'ifModifiedSince'; date: Date }
  | { kind: 'ifUnmodifiedSince'; date: Date };

export const NO_CONDITION: Condition = { kind: 'none' };

export interface Versioned {
  etag: string;
  /** ISO-8601 time of the last change. */
  lastModified: string;
}

/** HTTP dates have whole seconds, so the resource's time is compared at that precision. */
function wholeSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000) * 1000;
}

export function conditionHolds(condition: Condition, current: Versioned): boolean {
  switch (condition.kind) {
    case 'none':
      return true;
    case 'ifMatch':
      return condition.etag === '*' || condition.etag === current.etag;
    case 'ifNoneMatch':
      return condition.etag !== '*' && condition.etag !== current.etag;
    case 'ifModifiedSince':
      return wholeSeconds(current.lastModified) > condition.date.getTime();
    case 'ifUnmodifiedSince':
      return wholeSeconds(current.lastModified) <= condition.date.getTime();
  }
}

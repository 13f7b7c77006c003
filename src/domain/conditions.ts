import { z } from 'zod';

import { reject, type Rejection } from './rejections';

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

/** The refusal of a request whose condition the resource does not meet, on a write or a read. */
export function conditionNotMet(resource: 'job' | 'task'): Rejection {
  return reject('CONDITION_NOT_MET', `The condition given in the request headers is not met by the ${resource}.`);
}

/** A read goes on, answers "not modified" (the caller's copy is current), or is refused. */
export type ReadDecision = { kind: 'proceed' } | { kind: 'notModified' } | Rejection;

/**
 * A condition on a read, as HTTP (RFC 9110 §13.1) and Batch ("Specifying Conditional Headers") have
 * it: an unmet If-None-Match or If-Modified-Since means the caller's copy is still current, which is
 * not an error (304); an unmet If-Match or If-Unmodified-Since is a failed precondition (412).
 * A write refuses every unmet condition alike.
 */
export function decideRead(condition: Condition, current: Versioned, resource: 'job' | 'task'): ReadDecision {
  if (conditionHolds(condition, current)) return { kind: 'proceed' };
  return condition.kind === 'ifNoneMatch' || condition.kind === 'ifModifiedSince' ? { kind: 'notModified' } : conditionNotMet(resource);
}

import { describe, expect, it } from 'vitest';

import { decideRead, NO_CONDITION, type Condition } from '../../src/domain/conditions';

// A resource whose last change was at 12:00:00.400 (HTTP dates compare at whole seconds).
const current = { etag: 'W/"v2"', lastModified: '2026-11-28T12:00:00.400Z' };
const at = (iso: string) => new Date(iso);

describe('decideRead', () => {
  it.each<[string, Condition]>([
    ['no condition', NO_CONDITION],
    ['If-Match the current ETag', { kind: 'ifMatch', etag: 'W/"v2"' }],
    ['If-Match *', { kind: 'ifMatch', etag: '*' }],
    ['If-None-Match an older ETag', { kind: 'ifNoneMatch', etag: 'W/"v1"' }],
    ['If-Modified-Since a second before the change', { kind: 'ifModifiedSince', date: at('2026-11-28T11:59:59Z') }],
    ['If-Unmodified-Since the second of the change', { kind: 'ifUnmodifiedSince', date: at('2026-11-28T12:00:00Z') }],
  ])('goes on with %s', (_, condition) => {
    expect(decideRead(condition, current, 'task')).toEqual({ kind: 'proceed' });
  });

  it.each<[string, Condition]>([
    ['If-None-Match the current ETag', { kind: 'ifNoneMatch', etag: 'W/"v2"' }],
    ['If-None-Match *', { kind: 'ifNoneMatch', etag: '*' }],
    ['If-Modified-Since the second of the change', { kind: 'ifModifiedSince', date: at('2026-11-28T12:00:00Z') }],
    ['If-Modified-Since later', { kind: 'ifModifiedSince', date: at('2026-11-29T00:00:00Z') }],
  ])("answers not modified to %s: the caller's copy is current", (_, condition) => {
    expect(decideRead(condition, current, 'task')).toEqual({ kind: 'notModified' });
  });

  it.each<[string, Condition]>([
    ['If-Match a stale ETag', { kind: 'ifMatch', etag: 'W/"v1"' }],
    ['If-Unmodified-Since a second before the change', { kind: 'ifUnmodifiedSince', date: at('2026-11-28T11:59:59Z') }],
  ])('refuses %s as a failed precondition, naming the resource', (_, condition) => {
    expect(decideRead(condition, current, 'job')).toEqual({ kind: 'rejection', code: 'CONDITION_NOT_MET', message: 'The condition given in the request headers is not met by the job.' });
  });
});

import { z } from 'zod';

import { entityTagSchema, NO_CONDITION, type Condition } from '../domain/conditions';
import { parseHttpDate } from './httpDate';
import { parseHeaders, valid, type Parsed } from './requestParts';

/**
 * The conditional headers (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since): the
 * schemas the OpenAPI document shows, and the one condition they come to.
 */
export const httpDateHeaderSchema = z
  .string()
  .describe('An HTTP date, e.g. Sun, 06 Nov 1994 08:49:37 GMT.')
  .transform((value, ctx) => {
    const date = parseHttpDate(value);
    if (date !== null) return date;
    ctx.issues.push({ code: 'custom', message: 'must be an HTTP date such as Sun, 06 Nov 1994 08:49:37 GMT', input: value });
    return z.NEVER;
  });

const etagHeader = entityTagSchema.describe('The ETag as sent in the ETag header, or *.');

/**
 * At most one conditional header, except the two pairs HTTP allows (If-Match + If-Unmodified-Since,
 * If-None-Match + If-Modified-Since), where the ETag header decides, as Batch does.
 */
export const conditionalHeadersSchema = z
  .object({
    'If-Match': etagHeader.optional(),
    'If-None-Match': etagHeader.optional(),
    'If-Modified-Since': httpDateHeaderSchema.optional(),
    'If-Unmodified-Since': httpDateHeaderSchema.optional(),
  })
  .superRefine((headers, ctx) => {
    const present = [headers['If-Match'], headers['If-None-Match'], headers['If-Modified-Since'], headers['If-Unmodified-Since']].filter((value) => value !== undefined).length;
    const allowedPair =
      (headers['If-Match'] !== undefined && headers['If-Unmodified-Since'] !== undefined) || (headers['If-None-Match'] !== undefined && headers['If-Modified-Since'] !== undefined);
    if (present > 2 || (present === 2 && !allowedPair)) {
      ctx.addIssue({
        code: 'custom',
        path: ['conditional headers'],
        message: 'at most one is allowed, except the pairs If-Match with If-Unmodified-Since and If-None-Match with If-Modified-Since',
      });
    }
  });

/** The conditional headers, reduced to the one condition that decides. */
export function parseCondition(headers: Headers): Parsed<Condition> {
  const parsed = parseHeaders(conditionalHeadersSchema, headers);
  if (!parsed.ok) return parsed;
  const given = parsed.value;
  if (given['If-Match'] !== undefined) return valid({ kind: 'ifMatch', etag: given['If-Match'] });
  if (given['If-None-Match'] !== undefined) return valid({ kind: 'ifNoneMatch', etag: given['If-None-Match'] });
  if (given['If-Modified-Since'] !== undefined) return valid({ kind: 'ifModifiedSince', date: given['If-Modified-Since'] });
  if (given['If-Unmodified-Since'] !== undefined) return valid({ kind: 'ifUnmodifiedSince', date: given['If-Unmodified-Since'] });
  return valid(NO_CONDITION);
}

const NOT_HERE = 'is not accepted here: a condition applies to one task, use the single reactivation';

/** For routes that act on many resources at once, where a precondition on one resource means nothing. */
export const noConditionalHeadersSchema = z.object({
  'If-Match': z.never(NOT_HERE).optional(),
  'If-None-Match': z.never(NOT_HERE).optional(),
  'If-Modified-Since': z.never(NOT_HERE).optional(),
  'If-Unmodified-Since': z.never(NOT_HERE).optional(),
});

import { z } from 'zod';

import { ERROR_CODES, type ErrorCode } from './errorCodes';

/** The envelopes of `envelope.ts` as zod schemas, for the OpenAPI document. */
export const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

export const errorEnvelopeSchema = z.object({
  success: z.literal(false),
  error: z.object({
    code: errorCodeSchema,
    message: z.string().describe('What was wrong, in plain words.'),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('VALIDATION_ERROR: one entry per invalid field.'),
  }),
});

export function successEnvelopeSchema(data: z.ZodType): z.ZodObject {
  return z.object({ success: z.literal(true), data });
}

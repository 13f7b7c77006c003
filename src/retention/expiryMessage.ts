import { z } from 'zod';

/** The message that expires one day's rows: the day, `yyyymmdd` (UTC). */
export const expiryMessageSchema = z.strictObject({
  day: z.string().regex(/^\d{8}$/, 'must be a day as yyyymmdd'),
});
export type ExpiryMessage = z.infer<typeof expiryMessageSchema>;

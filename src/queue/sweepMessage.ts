import { z } from 'zod';

import { idSchema } from '../domain/ids';

/**
 * The message that drives a termination's sweep: it names the job alone. Where the sweep has got
 * to is on the job row, so every copy of the message (the safety net, a hand-over, a redelivery,
 * one rescued from the poison queue) resumes from the same checkpoint, and a duplicate is harmless.
 */
export const sweepMessageSchema = z.strictObject({ job_id: idSchema });
export type SweepMessage = z.infer<typeof sweepMessageSchema>;

export function sweepMessage(jobId: string): SweepMessage {
  return { job_id: jobId };
}

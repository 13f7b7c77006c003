import { z } from 'zod';

import { idSchema } from './ids';
import { jobStateSchema } from './states';
import { isoTimeSchema } from './time';

export const jobSchema = z.object({
  id: idSchema,
  state: jobStateSchema,
  state_transition_time: isoTimeSchema,
  previous_state: jobStateSchema.nullable(),
  created_at: isoTimeSchema,
  last_modified: isoTimeSchema,
  termination_reason: z.string().max(1024).nullable(),
});
export type Job = z.infer<typeof jobSchema>;

/** A job as read from storage, with the ETag that guards the next write to its row. */
export interface JobSnapshot {
  job: Job;
  etag: string;
}

import { z } from 'zod';

import { idSchema } from '../domain/ids';

/**
 * A reactivation request on the queue. `request_id` is its idempotency key (the queue message id
 * when absent), so a message delivered twice reactivates once. `if_match` is the task's ETag.
 */
export const reactivationMessageSchema = z.strictObject(
  {
  job_id: idSchema,
  task_id: idSchema,
  request_id: z.guid('must be a UUID').optional(),
  if_match: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'must be an entity tag as sent in the ETag header, or *')
    .optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object such as {"job_id": "job-1", "task_id": "task-7"}' : undefined) },
);
export type ReactivationMessage = z.infer<typeof reactivationMessageSchema>;

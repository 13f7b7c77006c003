import { z } from 'zod';

import { idSchema } from '../domain/ids';

/**
 * The delayed check a request sends before its first commit: the job, the request's idempotency
 * key, and the tasks it may reactivate (one, or a bulk transaction's). `seen` is what a check that
 * came back after a lease saw: the version of each row it left to a live claim.
 */
export const checkMessageSchema = z.strictObject({
  job_id: idSchema,
  request_key: z.string().min(1).max(100),
  task_ids: z.array(idSchema).min(1).max(100),
  seen: z.record(z.string().max(300), z.string().max(300)).optional(),
});
export type CheckMessage = z.infer<typeof checkMessageSchema>;

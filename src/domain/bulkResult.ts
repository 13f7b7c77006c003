import { z } from 'zod';

import { idSchema } from './ids';
import { REJECTION_CODES } from './rejections';

/**
 * Why a task was not reactivated: the code the single call would have answered for it, or
 * FILTERED_OUT for a task named in `task_ids` that failed but does not match `failure_codes` or
 * `exit_codes`.
 */
export const skipCodeSchema = z.enum([...REJECTION_CODES, 'FILTERED_OUT']);
export type SkipCode = z.infer<typeof skipCodeSchema>;

export const skippedTaskSchema = z.object({ id: z.string().min(1), code: skipCodeSchema, message: z.string() });
export type SkippedTask = z.infer<typeof skippedTaskSchema>;

/**
 * The answer of one bulk reactivation. It is also what a repeated call with the same
 * client-request-id answers, so it is kept as a row and must read back exactly as it was.
 */
export const bulkReactivationResultSchema = z.object({
  job_id: idSchema,
  dry_run: z.boolean(),
  /** Tasks that matched the selection in the part of the job this call covered. */
  matched: z.int().min(0),
  /** Ids of the tasks reactivated (with `dry_run`: that would be), in key order. */
  reactivated: z.array(idSchema),
  skipped: z.array(skippedTaskSchema),
  /** Given back in the body as `continuation` to resume after the last task this call covered. */
  continuation: z.string().nullable(),
});
export type BulkReactivationResult = z.infer<typeof bulkReactivationResultSchema>;

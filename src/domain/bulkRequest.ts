import { z } from 'zod';

import { continuationTokenSchema } from './continuation';
import { idSchema } from './ids';

export const MAX_TASK_IDS = 1_000;
export const MAX_TASKS_PER_CALL = 10_000;
const MAX_CODES = 100;

/**
 * What a bulk reactivation selects, and how. The HTTP body and the queue message
 * (`{"type": "reactivate_failed_tasks", ...}`) share this schema. Filters combine with AND; a list
 * that is given must not be empty, because an empty filter would silently match nothing.
 */
export const reactivateFailedTasksBodySchema = z.strictObject({
  task_ids: z.array(idSchema).min(1, 'must name at least one task when given').max(MAX_TASK_IDS, `must name at most ${MAX_TASK_IDS} tasks`).optional(),
  failure_codes: z
    .array(z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'))
    .min(1, 'must list at least one code when given')
    .max(MAX_CODES, `must list at most ${MAX_CODES} codes`)
    .optional(),
  exit_codes: z.array(z.int32('must be whole numbers')).min(1, 'must list at least one exit code when given').max(MAX_CODES, `must list at most ${MAX_CODES} exit codes`).optional(),
  max_tasks: z.int('must be a whole number').min(1, 'must be at least 1').max(MAX_TASKS_PER_CALL, `must be at most ${MAX_TASKS_PER_CALL}`).default(MAX_TASKS_PER_CALL),
  dry_run: z.boolean('must be true or false').default(false),
  continuation: continuationTokenSchema.optional(),
});
export type ReactivateFailedTasksBody = z.infer<typeof reactivateFailedTasksBodySchema>;

import { z } from 'zod';

import { idSchema } from './ids';
import { taskResultSchema, taskStateSchema, type JobState } from './states';
import { isoTimeSchema } from './time';

const int32 = z.int32();
const count = z.int().min(0).max(2_147_483_647);

export const failureInfoSchema = z.object({
  category: z.enum(['usererror', 'servererror']),
  code: z.string().min(1).max(256),
  message: z.string().max(4096).nullable(),
});
export type FailureInfo = z.infer<typeof failureInfoSchema>;

export const taskSchema = z.object({
  id: idSchema,
  job_id: idSchema,
  state: taskStateSchema,
  state_transition_time: isoTimeSchema,
  previous_state: taskStateSchema.nullable(),
  previous_state_transition_time: isoTimeSchema.nullable(),
  created_at: isoTimeSchema,
  last_modified: isoTimeSchema,
  /** −1 means unlimited retries. */
  max_retry_count: z.int().min(-1).max(2_147_483_647),
  retry_count: count,
  requeue_count: count,
  exit_code: int32.nullable(),
  result: taskResultSchema.nullable(),
  failure_info: failureInfoSchema.nullable(),
  start_time: isoTimeSchema.nullable(),
  end_time: isoTimeSchema.nullable(),
  last_retry_time: isoTimeSchema.nullable(),
  reactivation_count: count,
});
export type Task = z.infer<typeof taskSchema>;

/**
 * A task as read from storage: the task itself, plus what the concurrency protocol keeps beside it.
 * `jobStamp` is the job state that a termination sweep wrote onto this row; `lastRequestId` is the
 * idempotency key of the reactivation that last changed it; `etag` guards the next write.
 */
export interface TaskSnapshot {
  task: Task;
  jobStamp: JobState;
  lastRequestId: string | null;
  etag: string;
}

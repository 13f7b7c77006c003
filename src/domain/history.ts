import { z } from 'zod';

import { idSchema } from './ids';
import { failureInfoSchema } from './task';
import { taskResultSchema } from './states';
import { isoTimeSchema } from './time';

export const triggerSchema = z.enum(['http', 'queue']);
export type Trigger = z.infer<typeof triggerSchema>;

/**
 * One reactivation, and the failed attempt it reset. Batch forgets the exit code and failure once a
 * task is reactivated; this record keeps them, written in the same transaction as the reactivation.
 */
export const historyRecordSchema = z.object({
  job_id: idSchema,
  task_id: idSchema,
  reactivated_at: isoTimeSchema,
  reactivation_number: z.int().min(1),
  /** The id of the `task.reactivated` event this reactivation emits: the record is its outbox. */
  event_id: z.string().min(1),
  request_id: z.string().min(1),
  client_request_id: z.string().nullable(),
  trigger: triggerSchema,
  completed_at: isoTimeSchema,
  exit_code: z.int32().nullable(),
  result: taskResultSchema.nullable(),
  failure_info: failureInfoSchema.nullable(),
  retry_count: z.int().min(0),
  max_retry_count: z.int().min(-1),
  start_time: isoTimeSchema.nullable(),
  end_time: isoTimeSchema.nullable(),
  last_retry_time: isoTimeSchema.nullable(),
});
export type HistoryRecord = z.infer<typeof historyRecordSchema>;

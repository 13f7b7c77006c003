import { z } from 'zod';

import { taskResultSchema, taskStateSchema } from '../../domain/states';
import type { Task } from '../../domain/task';
import { batchTime, batchTimeSchema, odataMetadata, present, taskUrl } from './wire';

const count = z.int().min(0).max(2_147_483_647);

/**
 * Batch's CloudTask, limited to what this app keeps. Batch leaves a property out when it has no
 * value (it never sends null), so every optional property here is absent rather than null.
 */
export const cloudTaskSchema = z.strictObject({
  'odata.metadata': z.string(),
  id: z.string(),
  url: z.string(),
  eTag: z.string(),
  lastModified: batchTimeSchema,
  creationTime: batchTimeSchema,
  state: taskStateSchema,
  stateTransitionTime: batchTimeSchema,
  previousState: taskStateSchema.optional().describe('Absent while the task is in its initial active state.'),
  previousStateTransitionTime: batchTimeSchema.optional(),
  constraints: z.strictObject({ maxTaskRetryCount: z.int().min(-1).max(2_147_483_647).describe('-1: unlimited.') }),
  executionInfo: z.strictObject({
    startTime: batchTimeSchema.optional().describe('Present for running and completed tasks.'),
    endTime: batchTimeSchema.optional().describe('Present for completed tasks.'),
    exitCode: z.int32().optional().describe('Present for completed tasks that ran their command.'),
    failureInfo: z
      .strictObject({ category: z.enum(['usererror', 'servererror']), code: z.string(), message: z.string().optional() })
      .optional()
      .describe('Present for tasks that completed with a failure.'),
    retryCount: count,
    lastRetryTime: batchTimeSchema.optional().describe('Present when retryCount is not 0.'),
    requeueCount: count,
    result: taskResultSchema.optional(),
  }),
});
export type CloudTask = z.infer<typeof cloudTaskSchema>;


export function cloudTask(task: Task, etag: string, baseUrl: string): CloudTask {
  const failure = task.failure_info;
  return {
    'odata.metadata': odataMetadata(baseUrl, 'tasks'),
    id: task.id,
    url: taskUrl(baseUrl, task.job_id, task.id),
    eTag: etag,
    lastModified: batchTime(task.last_modified),
    creationTime: batchTime(task.created_at),
    state: task.state,
    stateTransitionTime: batchTime(task.state_transition_time),
    ...present('previousState', task.previous_state),
    ...present('previousStateTransitionTime', task.previous_state_transition_time, batchTime),
    constraints: { maxTaskRetryCount: task.max_retry_count },
    executionInfo: {
      ...present('startTime', task.start_time, batchTime),
      ...present('endTime', task.end_time, batchTime),
      ...present('exitCode', task.exit_code),
      ...(failure === null ? {} : { failureInfo: { category: failure.category, code: failure.code, ...present('message', failure.message) } }),
      retryCount: task.retry_count,
      ...present('lastRetryTime', task.last_retry_time, batchTime),
      requeueCount: task.requeue_count,
      ...present('result', task.result),
    },
  };
}

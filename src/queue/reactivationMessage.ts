import { z } from 'zod';

import { reactivateFailedTasksBodySchema } from '../domain/bulkRequest';
import { entityTagSchema } from '../domain/conditions';
import { idSchema } from '../domain/ids';
import type { FieldIssue } from '../service/outcomes';
import { messageIssues } from './messageIssues';

const NOT_AN_OBJECT = 'must be a JSON object such as {"job_id": "job-1", "task_id": "task-7"}';
const objectOnly = { error: (issue: { code: string }) => (issue.code === 'invalid_type' ? NOT_AN_OBJECT : undefined) };

const requestId = z.guid('must be a UUID').optional();

/**
 * A reactivation request on the queue. `request_id` is its idempotency key (the queue message id
 * when absent), so a message delivered twice reactivates once. `if_match` is the task's ETag.
 */
export const reactivationMessageSchema = z.strictObject(
  {
    type: z.literal('reactivate_task').optional(),
    job_id: idSchema,
    task_id: idSchema,
    request_id: requestId,
    if_match: entityTagSchema.optional(),
  },
  objectOnly,
);
export type ReactivationMessage = z.infer<typeof reactivationMessageSchema>;

/** The bulk reactivation on the queue: the HTTP route's body, plus the job and the request id. */
export const failedTasksMessageSchema = reactivateFailedTasksBodySchema.extend({
  type: z.literal('reactivate_failed_tasks'),
  job_id: idSchema,
  request_id: requestId,
});
export type FailedTasksMessage = z.infer<typeof failedTasksMessageSchema>;

export type QueueRequest = { kind: 'task'; message: ReactivationMessage } | { kind: 'failedTasks'; message: FailedTasksMessage };

/** Why a message can never succeed, field by field, for its poison record. */
export type ParsedQueueRequest = { ok: true; request: QueueRequest } | { ok: false; issues: FieldIssue[] };

/** The `type` field picks the schema; a message without one is a single reactivation. */
export function parseQueueRequest(message: unknown): ParsedQueueRequest {
  const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
  if (type === 'reactivate_failed_tasks') {
    const parsed = failedTasksMessageSchema.safeParse(message);
    return parsed.success ? { ok: true, request: { kind: 'failedTasks', message: parsed.data } } : { ok: false, issues: messageIssues(parsed.error) };
  }
  const parsed = reactivationMessageSchema.safeParse(message);
  return parsed.success ? { ok: true, request: { kind: 'task', message: parsed.data } } : { ok: false, issues: messageIssues(parsed.error) };
}

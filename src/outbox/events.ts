import { z } from 'zod';

import type { HistoryRecord } from '../domain/history';
import { triggerSchema } from '../domain/history';
import { idSchema } from '../domain/ids';
import type { RejectionCode } from '../domain/rejections';
import { REJECTION_CODES } from '../domain/rejections';
import { isoTimeSchema } from '../domain/time';
import { stableId } from '../service/stableId';

/**
 * What the app tells the world on the `task-events` queue. Delivery is at least once, so every
 * event has a stable `event_id` that consumers deduplicate on: a redelivered or relayed event
 * carries the same id as the first.
 */
export const taskReactivatedEventSchema = z.object({
  type: z.literal('task.reactivated'),
  event_id: z.string().min(1),
  job_id: idSchema,
  task_id: idSchema,
  request_id: z.string().min(1),
  client_request_id: z.string().nullable(),
  trigger: triggerSchema,
  reactivation_number: z.int().min(1),
  /** The task's ETag right after the reactivation; null when a relayed event can no longer know it. */
  etag: z.string().nullable(),
  time: isoTimeSchema,
});
export type TaskReactivatedEvent = z.infer<typeof taskReactivatedEventSchema>;

export const taskReactivationRejectedEventSchema = z.object({
  type: z.literal('task.reactivation_rejected'),
  event_id: z.string().min(1),
  job_id: idSchema,
  task_id: idSchema,
  request_id: z.string().min(1),
  trigger: z.literal('queue'),
  code: z.enum(REJECTION_CODES),
  message: z.string(),
  time: isoTimeSchema,
});
export type TaskReactivationRejectedEvent = z.infer<typeof taskReactivationRejectedEventSchema>;

/** The event of a reactivation, built from its history record (the outbox row). */
export function reactivatedEvent(history: HistoryRecord, etag: string | null): TaskReactivatedEvent {
  return {
    type: 'task.reactivated',
    event_id: history.event_id,
    job_id: history.job_id,
    task_id: history.task_id,
    request_id: history.client_request_id ?? history.request_id,
    client_request_id: history.client_request_id,
    trigger: history.trigger,
    reactivation_number: history.reactivation_number,
    etag,
    time: history.reactivated_at,
  };
}

export interface RejectedRequest {
  jobId: string;
  taskId: string;
  requestId: string;
  code: RejectionCode;
  message: string;
  now: Date;
}

/** The same refusal of the same request has the same event id, so a consumer drops a redelivery's repeat. */
export function rejectedEvent(request: RejectedRequest): TaskReactivationRejectedEvent {
  return {
    type: 'task.reactivation_rejected',
    event_id: stableId(request.requestId, request.code),
    job_id: request.jobId,
    task_id: request.taskId,
    request_id: request.requestId,
    trigger: 'queue',
    code: request.code,
    message: request.message,
    time: request.now.toISOString(),
  };
}

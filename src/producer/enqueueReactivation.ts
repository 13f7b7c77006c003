import { randomUUID } from 'node:crypto';

import type { QueueClient } from '@azure/storage-queue';
import { z } from 'zod';

import { encodeMessage } from '../storage/messageQueue';
import { reactivationMessageSchema, type ReactivationMessage } from '../queue/reactivationMessage';

export interface ReactivationRequest {
  jobId: string;
  taskId: string;
  /** The idempotency key; a fresh UUID when absent, returned so the caller can correlate events. */
  requestId?: string;
  /** Reactivate only if the task still has this ETag. */
  ifMatch?: string;
}

/**
 * Sends a reactivation request the way the queue trigger expects it: validated by the trigger's
 * own schema, JSON, base64-encoded (the Functions default; a plain-text message would be moved to
 * the poison queue by the host without ever reaching the app). The SDK's retry policy covers
 * transient failures; a retried send is harmless because the request id makes it idempotent.
 */
export async function enqueueReactivation(queue: QueueClient, request: ReactivationRequest): Promise<{ messageId: string; requestId: string }> {
  const message: ReactivationMessage = {
    job_id: request.jobId,
    task_id: request.taskId,
    request_id: request.requestId ?? randomUUID(),
    ...(request.ifMatch !== undefined ? { if_match: request.ifMatch } : {}),
  };
  const parsed = reactivationMessageSchema.safeParse(message);
  if (!parsed.success) throw new Error(`Invalid reactivation request: ${z.prettifyError(parsed.error)}`);
  const response = await queue.sendMessage(encodeMessage(parsed.data));
  return { messageId: response.messageId, requestId: message.request_id ?? '' };
}

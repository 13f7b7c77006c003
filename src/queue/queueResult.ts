import type { InvocationContext } from '@azure/functions';

import type { Rejection } from '../domain/rejections';
import type { Fault, InvalidRequest } from '../service/outcomes';
import type { BulkReactivated } from '../service/reactivateFailedTasks';
import type { Reactivated } from '../service/reactivateTask';

/** Everything a queued request can end with. */
export type QueueOutcome = Reactivated | BulkReactivated | InvalidRequest | Rejection | Fault;

/**
 * What becomes of the message: done (the host deletes it), poisoned at once (five deliveries would
 * not fix it), or failed for now (the host delivers it again, up to its maximum dequeue count).
 */
export type QueueResult = { kind: 'done'; outcome: string } | { kind: 'poison'; reason: string } | { kind: 'retry'; reason: string };

/** The one mapping from outcomes to what the queue does with the message. */
export function queueResult(outcome: QueueOutcome): QueueResult {
  switch (outcome.kind) {
    case 'reactivated':
      return { kind: 'done', outcome: outcome.replayed ? 'OK (replayed)' : 'OK' };
    case 'bulkReactivated': {
      const { reactivated, continuation } = outcome.result;
      return { kind: 'done', outcome: `OK (${reactivated.length} reactivated${continuation !== null ? ', continued' : ''})` };
    }
    case 'rejection':
      // A business refusal is final: its event is published, and a redelivery would be refused again.
      return { kind: 'done', outcome: outcome.code };
    case 'invalid':
      return { kind: 'poison', reason: `Invalid message: ${outcome.issues.map((issue) => `${issue.field.replace(/^body\./, '')} ${issue.message}`).join('; ')}` };
    case 'fault':
      return { kind: 'retry', reason: `${outcome.code}: ${outcome.message}` };
  }
}

/** Thrown so that the host redelivers the message; after its last attempt the host poisons it. */
export class TransientQueueFailure extends Error {
  override readonly name = 'TransientQueueFailure';
}

/** The trigger metadata the queue extension passes along (keys camel-cased by the library). */
export interface QueueMessageMetadata {
  id: string | null;
  dequeueCount: number;
}

export function queueMetadataOf(context: InvocationContext): QueueMessageMetadata {
  const metadata = context.triggerMetadata ?? {};
  return {
    id: typeof metadata.id === 'string' ? metadata.id : null,
    dequeueCount: typeof metadata.dequeueCount === 'number' ? metadata.dequeueCount : 1,
  };
}

/**
 * A queue message holds at most 64 KiB once base64-encoded, and the poison record wraps the original
 * in more JSON: an original that could not fit is kept as a prefix of its text.
 */
const MAX_POISONED_CHARS = 32 * 1024;

export function poisonedCopy(message: unknown): { message: unknown } | { message_prefix: string } {
  const text = typeof message === 'string' ? message : (JSON.stringify(message) as string | undefined) ?? 'undefined';
  return text.length <= MAX_POISONED_CHARS ? { message } : { message_prefix: text.slice(0, MAX_POISONED_CHARS) };
}

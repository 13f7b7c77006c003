import { z } from 'zod';

import { idKey, idSchema } from './ids';

/**
 * Where a bulk reactivation stopped: the key of the last task it covered, in the key order the job's
 * task rows are listed in. Tied to its job, so a token cannot resume another job's selection.
 */
export const continuationSchema = z.strictObject({ v: z.literal(1), job: idSchema, after: idSchema });
export type Continuation = z.infer<typeof continuationSchema>;

export function continuationAfter(jobId: string, taskId: string): Continuation {
  return { v: 1, job: idKey(jobId), after: idKey(taskId) };
}

/** The token is opaque to callers: base64url of the JSON above. */
export function encodeContinuation(continuation: Continuation): string {
  return Buffer.from(JSON.stringify(continuation), 'utf8').toString('base64url');
}

function decodeContinuation(token: string): Continuation | null {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return null;
  try {
    const parsed = continuationSchema.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A token as given back by a caller, decoded; anything this service did not issue is refused. */
export const continuationTokenSchema = z
  .string()
  .max(512, 'must be at most 512 characters')
  .transform((token, ctx) => {
    const decoded = decodeContinuation(token);
    if (decoded !== null) return decoded;
    ctx.issues.push({ code: 'custom', message: 'must be a continuation token returned by an earlier call, unchanged', input: token });
    return z.NEVER;
  });

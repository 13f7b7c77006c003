import type { z } from 'zod';

import type { FieldIssue } from '../service/outcomes';

/** Why a queue message is not what its function takes, field by field (`message` for the whole). */
export function messageIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ field: issue.path.join('.') || 'message', message: issue.message }));
}

/** The same on one line, for a log. */
export function describeMessageIssues(error: z.ZodError): string {
  return messageIssues(error)
    .map((issue) => `${issue.field} ${issue.message}`)
    .join('; ');
}

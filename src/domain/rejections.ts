/** Business refusals: expected outcomes, returned as values, each with the Azure Batch code it mirrors. */
export const REJECTION_CODES = [
  'JOB_NOT_FOUND',
  'TASK_NOT_FOUND',
  'CONDITION_NOT_MET',
  'JOB_COMPLETED',
  'JOB_BEING_TERMINATED',
  'JOB_BEING_DELETED',
  'TASK_NOT_COMPLETED',
  'TASK_SUCCEEDED',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  kind: 'rejection';
  code: RejectionCode;
  message: string;
}

export function reject(code: RejectionCode, message: string): Rejection {
  return { kind: 'rejection', code, message };
}

import type { Rejection } from '../domain/rejections';

/**
 * Faults the service answers for itself, rather than throwing: the deadline ran out before the
 * outcome was certain, or storage kept failing inside the budget.
 */
export type FaultCode = 'OPERATION_TIMED_OUT' | 'SERVER_BUSY';

export interface Fault {
  kind: 'fault';
  code: FaultCode;
  message: string;
}

export const TIMED_OUT: Fault = {
  kind: 'fault',
  code: 'OPERATION_TIMED_OUT',
  message: 'The operation did not finish within its timeout; retry with the same client-request-id to learn its outcome.',
};

export const SERVER_BUSY: Fault = {
  kind: 'fault',
  code: 'SERVER_BUSY',
  message: 'Storage is busy or unavailable; retry later with the same client-request-id.',
};

/** One field of a request that breaks a rule: where it is, and the rule, in plain words. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** A request that is well-formed but cannot be served as given; answered like a bad field. */
export interface InvalidRequest {
  kind: 'invalid';
  issues: FieldIssue[];
}

export function invalidRequest(field: string, message: string): InvalidRequest {
  return { kind: 'invalid', issues: [{ field, message }] };
}

export type Refusal = Rejection | Fault;

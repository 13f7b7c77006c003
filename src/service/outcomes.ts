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

export type Refusal = Rejection | Fault;

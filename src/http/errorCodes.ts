import type { RejectionCode } from '../domain/rejections';
import type { FaultCode } from '../service/outcomes';

export type ErrorCode = 'VALIDATION_ERROR' | RejectionCode | FaultCode | 'INTERNAL_ERROR';

/** Every error code with its HTTP status and the Azure Batch code it stands for. */
export const ERROR_CODES: Record<ErrorCode, { status: number; batchCode: string }> = {
  VALIDATION_ERROR: { status: 400, batchCode: 'InvalidInput, InvalidHeaderValue, InvalidQueryParameterValue, MultipleConditionHeadersNotSupported' },
  JOB_NOT_FOUND: { status: 404, batchCode: 'JobNotFound' },
  TASK_NOT_FOUND: { status: 404, batchCode: 'TaskNotFound' },
  CONDITION_NOT_MET: { status: 412, batchCode: 'ConditionNotMet' },
  JOB_COMPLETED: { status: 409, batchCode: 'JobCompleted' },
  JOB_BEING_TERMINATED: { status: 409, batchCode: 'JobBeingTerminated' },
  JOB_BEING_DELETED: { status: 409, batchCode: 'JobBeingDeleted' },
  TASK_NOT_COMPLETED: { status: 409, batchCode: 'TaskNotCompleted' },
  TASK_SUCCEEDED: { status: 409, batchCode: 'TaskSucceeded' },
  OPERATION_TIMED_OUT: { status: 500, batchCode: 'OperationTimedOut' },
  SERVER_BUSY: { status: 503, batchCode: 'ServerBusy' },
  INTERNAL_ERROR: { status: 500, batchCode: 'InternalError' },
};

import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';

import { bulkReactivationResultSchema } from '../domain/bulkResult';
import type { HttpOutcome } from './answer';
import { batchIssueAnswer, batchIssueOfCode, batchIssueOfFields, type BatchIssue, type RequestParts } from './batch/batchError';
import { cloudJob, cloudJobSchema } from './batch/cloudJob';
import { cloudTask, cloudTaskSchema } from './batch/cloudTask';
import { BATCH_JSON_CONTENT_TYPE, dataServiceId } from './batch/wire';
import { errorHeaders } from './envelope';
import type { ErrorCode } from './errorCodes';
import { historyResourceSchema, historyResource, versionHeaders } from './resources';

/** What a Batch answer is built from besides the outcome: where the app is, this request, and now. */
export interface BatchAnswerContext {
  /** The origin the caller reached the app at: resource URLs and `odata.metadata` start with it. */
  baseUrl: string;
  requestId: string;
  now: Date;
  /** For the values of a refusal (the query parameter or header it names), and read or write. */
  request: RequestParts & { method: string };
}

export interface BatchSuccess {
  status: number;
  /** The JSON body; none when absent. */
  body?: z.ZodType;
}

/**
 * Batch's success answer per outcome, for `batchAnswer` and the OpenAPI document alike. History and
 * the bulk reactivation are this app's own: Batch has no such operations, so they answer their
 * data bare (a list as Batch lists, under `value`), in Batch's content type.
 */
export const BATCH_SUCCESS = {
  reactivated: { status: 204 },
  terminated: { status: 202 },
  task: { status: 200, body: cloudTaskSchema },
  job: { status: 200, body: cloudJobSchema },
  history: { status: 200, body: z.object({ value: historyResourceSchema }) },
  bulkReactivated: { status: 200, body: bulkReactivationResultSchema },
} as const satisfies Record<string, BatchSuccess>;

/** Batch sends this beside every JSON body (its OData protocol version). */
const DATA_SERVICE_VERSION = { DataServiceVersion: '3.0' };

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'Content-Type': BATCH_JSON_CONTENT_TYPE, ...DATA_SERVICE_VERSION, ...headers } };
}

function error(issue: BatchIssue, context: BatchAnswerContext, code?: ErrorCode): HttpResponseInit {
  const operation = context.request.method.toUpperCase() === 'GET' ? 'read' : 'write';
  const answer = batchIssueAnswer(issue, { baseUrl: context.baseUrl, requestId: context.requestId, now: context.now, operation });
  return json(answer.status, answer.body, code === undefined ? {} : errorHeaders(code));
}

/**
 * The one mapping from outcomes to HTTP answers in Azure Batch's wire format, beside `httpAnswer`
 * and over the same outcomes: writes answer 204 (reactivate) or 202 (terminate) with no body and
 * the resource's version and `DataServiceId` in headers; reads answer CloudTask or CloudJob; every
 * refusal is a BatchError with Batch's code, the app's own sentence as its `Reason`.
 */
export function batchAnswer(outcome: HttpOutcome, context: BatchAnswerContext): HttpResponseInit {
  const { baseUrl } = context;
  switch (outcome.kind) {
    case 'reactivated': {
      const { task, etag } = outcome;
      return {
        status: BATCH_SUCCESS.reactivated.status,
        headers: { ...versionHeaders(etag, task.last_modified), DataServiceId: dataServiceId(baseUrl, { kind: 'reactivateTask', jobId: task.job_id, taskId: task.id }) },
      };
    }
    case 'terminated':
    case 'terminationUnderWay':
      // 202 whether or not the termination has finished: Batch accepts a termination and ends the job later.
      return {
        status: BATCH_SUCCESS.terminated.status,
        headers: { ...versionHeaders(outcome.etag, outcome.job.last_modified), DataServiceId: dataServiceId(baseUrl, { kind: 'terminateJob', jobId: outcome.job.id }) },
      };
    case 'task':
      return json(BATCH_SUCCESS.task.status, cloudTask(outcome.task.task, outcome.task.etag, baseUrl), versionHeaders(outcome.task.etag, outcome.task.task.last_modified));
    case 'job':
      return json(BATCH_SUCCESS.job.status, cloudJob(outcome.job.job, outcome.job.etag, baseUrl), versionHeaders(outcome.job.etag, outcome.job.job.last_modified));
    case 'notModified':
      return { status: 304, headers: versionHeaders(outcome.version.etag, outcome.version.lastModified) };
    case 'history':
      return json(BATCH_SUCCESS.history.status, { value: outcome.records.map(historyResource) });
    case 'bulkReactivated':
      return json(BATCH_SUCCESS.bulkReactivated.status, outcome.result);
    case 'invalid':
      return error(batchIssueOfFields(outcome.issues, context.request), context);
    case 'rejection':
    case 'fault':
      return error(batchIssueOfCode(outcome.code, outcome.message), context, outcome.code);
    case 'unexpected':
      return error(batchIssueOfCode('INTERNAL_ERROR', outcome.message), context, 'INTERNAL_ERROR');
    case 'document':
      return { status: 200, jsonBody: outcome.body };
  }
}

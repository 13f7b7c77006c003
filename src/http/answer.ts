import type { HttpResponseInit } from '@azure/functions';

import type { Rejection } from '../domain/rejections';
import type { HistoryFound, JobFound, NotModified, TaskFound } from '../service/queries';
import type { Fault, InvalidRequest } from '../service/outcomes';
import type { BulkReactivated } from '../service/reactivateFailedTasks';
import type { Reactivated } from '../service/reactivateTask';
import type { Terminated, TerminationUnderWay } from '../service/terminateJob';
import { accepted, failure, invalid, ok } from './envelope';
import { historyResource, jobResource, taskResource, versionHeaders } from './resources';

/** A document served as it is, outside the envelope (the OpenAPI description). */
export interface Document {
  kind: 'document';
  body: unknown;
}

/** Something threw: answered INTERNAL_ERROR with a message that holds no internals. */
export interface Unexpected {
  kind: 'unexpected';
  message: string;
}

/**
 * Everything an HTTP function can end with: a use case's outcome, a request that did not parse, a
 * document, or an error nobody expected. Each dialect has one exhaustive mapping from it: `httpAnswer`
 * below for the envelope, `batchAnswer` for Azure Batch's wire format.
 */
export type HttpOutcome = Reactivated | Terminated | TerminationUnderWay | BulkReactivated | TaskFound | JobFound | NotModified | HistoryFound | InvalidRequest | Rejection | Fault | Document | Unexpected;

/** The one mapping from outcomes to HTTP answers in the seed's envelope. */
export function httpAnswer(outcome: HttpOutcome): HttpResponseInit {
  switch (outcome.kind) {
    case 'reactivated':
      return ok(taskResource(outcome.task, outcome.etag), versionHeaders(outcome.etag, outcome.task.last_modified));
    case 'task':
      return ok(taskResource(outcome.task.task, outcome.task.etag), versionHeaders(outcome.task.etag, outcome.task.task.last_modified));
    case 'terminated':
      return ok(jobResource(outcome.job, outcome.etag), versionHeaders(outcome.etag, outcome.job.last_modified));
    case 'terminationUnderWay':
      return accepted(jobResource(outcome.job, outcome.etag), versionHeaders(outcome.etag, outcome.job.last_modified));
    case 'job':
      return ok(jobResource(outcome.job.job, outcome.job.etag), versionHeaders(outcome.job.etag, outcome.job.job.last_modified));
    case 'notModified':
      // HTTP gives a 304 no body, so no envelope either; the headers a 200 would carry stay.
      return { status: 304, headers: versionHeaders(outcome.version.etag, outcome.version.lastModified) };
    case 'history':
      return ok(outcome.records.map(historyResource));
    case 'bulkReactivated':
      return ok(outcome.result);
    case 'invalid':
      return invalid(outcome.issues);
    case 'rejection':
    case 'fault':
      return failure(outcome.code, outcome.message);
    case 'unexpected':
      return failure('INTERNAL_ERROR', outcome.message);
    case 'document':
      return { status: 200, jsonBody: outcome.body };
  }
}

/** The app's own code for an outcome, whatever the dialect answered, for the invocation's log line. */
export function outcomeCode(outcome: HttpOutcome): string {
  switch (outcome.kind) {
    case 'invalid':
      return 'VALIDATION_ERROR';
    case 'rejection':
    case 'fault':
      return outcome.code;
    case 'unexpected':
      return 'INTERNAL_ERROR';
    case 'notModified':
      return 'NOT_MODIFIED';
    default:
      return 'OK';
  }
}

import type { HttpResponseInit } from '@azure/functions';

import type { Rejection } from '../domain/rejections';
import type { HistoryFound, JobFound, TaskFound } from '../service/queries';
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

/** Everything an HTTP function can end with: a use case's outcome, a request that did not parse, or a document. */
export type HttpOutcome = Reactivated | Terminated | TerminationUnderWay | BulkReactivated | TaskFound | JobFound | HistoryFound | InvalidRequest | Rejection | Fault | Document;

/** The one mapping from outcomes to HTTP answers, in the seed's envelope. */
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
    case 'history':
      return ok(outcome.records.map(historyResource));
    case 'bulkReactivated':
      return ok(outcome.result);
    case 'invalid':
      return invalid(outcome.issues);
    case 'rejection':
    case 'fault':
      return failure(outcome.code, outcome.message);
    case 'document':
      return { status: 200, jsonBody: outcome.body };
  }
}

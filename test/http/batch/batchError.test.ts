import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { parseApiVersion } from '../../../src/http/batch/apiVersion';
import { BATCH_ERRORS, batchErrorSchema, batchIssueAnswer, batchIssueOfCode, batchIssueOfFields, type BatchErrorContext, type RequestParts } from '../../../src/http/batch/batchError';
import { parseBatchHeaders } from '../../../src/http/batch/batchHeaders';
import type { FieldIssue } from '../../../src/service/outcomes';
import { ERROR_CODES, type ErrorCode } from '../../../src/http/errorCodes';
import { parseCondition } from '../../../src/http/conditionalHeaders';
import { all, fromZod, MAX_BODY_BYTES, parseClientRequestId, parseJsonBody, parseTimeout } from '../../../src/http/requestParts';
import { batchClient, jsonReply, withServer } from './batchSdk';

const REQUEST_ID = '5773ff95-1713-4c3a-bfc0-f75547e8dd2e';
const NOW = new Date('2026-11-28T12:23:47.521Z');
const WRITE: BatchErrorContext = { baseUrl: 'https://app.example.net', requestId: REQUEST_ID, now: NOW, operation: 'write' };
const READ: BatchErrorContext = { ...WRITE, operation: 'read' };

function parts(query = '', headers: Record<string, string> = {}): RequestParts {
  return { query: new URLSearchParams(query), headers: new Headers(headers) };
}

function issuesOf(parsed: { ok: boolean; issues?: FieldIssue[] }): FieldIssue[] {
  if (parsed.ok || parsed.issues === undefined) throw new Error('expected issues');
  return parsed.issues;
}

function post(body: string): HttpRequest {
  return new HttpRequest({ method: 'POST', url: 'http://localhost/jobs/job-1/terminate?api-version=2022-10-01.16.0', body: { string: body } });
}

describe('batchIssueOfCode', () => {
  // Written out from the sources in docs/batch-wire-format.md, not derived from the table under test.
  const expected: Record<ErrorCode, [string, number]> = {
    VALIDATION_ERROR: ['InvalidInput', 400],
    JOB_NOT_FOUND: ['JobNotFound', 404],
    TASK_NOT_FOUND: ['TaskNotFound', 404],
    CONDITION_NOT_MET: ['ConditionNotMet', 412],
    JOB_COMPLETED: ['JobCompleted', 409],
    JOB_BEING_TERMINATED: ['JobBeingTerminated', 409],
    JOB_BEING_DELETED: ['JobBeingDeleted', 409],
    TASK_NOT_COMPLETED: ['TaskNotCompleted', 409],
    TASK_SUCCEEDED: ['TaskSucceeded', 409],
    OPERATION_TIMED_OUT: ['OperationTimedOut', 500],
    SERVER_BUSY: ['ServerBusy', 503],
    INTERNAL_ERROR: ['InternalError', 500],
  };

  it.each(Object.entries(expected) as [ErrorCode, [string, number]][])('answers %s as Batch %j', (code, [batchCode, status]) => {
    const answer = batchIssueAnswer(batchIssueOfCode(code, 'why'), WRITE);
    expect(answer.code).toBe(batchCode);
    expect(answer.status).toBe(status);
    expect(answer.body.code).toBe(batchCode);
  });

  it('keeps the app status of every code equal to Batch status', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect([code, batchIssueAnswer(batchIssueOfCode(code as ErrorCode), WRITE).status]).toEqual([code, status]);
    }
  });

  it('writes the body Batch writes: metadata, message with request id and time, the reason as a value', () => {
    const answer = batchIssueAnswer(batchIssueOfCode('TASK_NOT_COMPLETED', 'The task is running; only a completed task can be reactivated.'), WRITE);
    expect(answer.body).toStrictEqual({
      'odata.metadata': 'https://app.example.net/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element',
      code: 'TaskNotCompleted',
      message: {
        lang: 'en-US',
        value: `${BATCH_ERRORS.TaskNotCompleted.message}\nRequestId:${REQUEST_ID}\nTime:2026-11-28T12:23:47.5210000Z`,
      },
      values: [{ key: 'Reason', value: 'The task is running; only a completed task can be reactivated.' }],
    });
    expect(batchErrorSchema.safeParse(answer.body).success).toBe(true);
  });

  it('leaves values out when there are none', () => {
    const body = batchIssueAnswer(batchIssueOfCode('JOB_NOT_FOUND'), WRITE).body;
    expect(Object.keys(body)).not.toContain('values');
  });

  it('answers a failed precondition 412 on a read and on a write, each with its own wording', () => {
    const read = batchIssueAnswer(batchIssueOfCode('CONDITION_NOT_MET'), READ);
    const write = batchIssueAnswer(batchIssueOfCode('CONDITION_NOT_MET'), WRITE);
    expect([read.status, write.status]).toEqual([412, 412]);
    expect(read.body.message.value).toMatch(/^The condition specified in the conditional header\(s\) was not met for a read operation\.\n/);
    expect(write.body.message.value).toMatch(/^The condition specified in the conditional header\(s\) was not met for a write operation\.\n/);
  });
});

describe('batchIssueOfFields, fed by the real request parsers', () => {
  it('answers a bad timeout as an invalid query parameter with its name and value', () => {
    const request = parts('timeOut=abc');
    expect(batchIssueOfFields(issuesOf(parseTimeout(request.query)), request)).toEqual({
      code: 'InvalidQueryParameterValue',
      values: [
        { key: 'QueryParameterName', value: 'timeOut' },
        { key: 'QueryParameterValue', value: 'abc' },
        { key: 'Reason', value: 'must be a whole number of seconds, 1 or more' },
      ],
    });
  });

  it('answers a client-request-id that is no GUID as an invalid header with its name and value', () => {
    const request = parts('', { 'client-request-id': 'not-a-guid' });
    const issue = batchIssueOfFields(issuesOf(parseClientRequestId(request.headers)), request);
    expect(issue.code).toBe('InvalidHeaderValue');
    expect(issue.values.slice(0, 2)).toEqual([
      { key: 'HeaderName', value: 'client-request-id' },
      { key: 'HeaderValue', value: 'not-a-guid' },
    ]);
  });

  it.each([
    ['If-Match', { 'If-Match': ' ' }],
    ['If-Modified-Since', { 'If-Modified-Since': 'yesterday' }],
  ])('answers a bad %s as an invalid header', (name, headers) => {
    const request = parts('', headers);
    const issue = batchIssueOfFields(issuesOf(parseCondition(request.headers)), request);
    expect(issue.code).toBe('InvalidHeaderValue');
    expect(issue.values[0]).toEqual({ key: 'HeaderName', value: name });
  });

  it('answers two conditions that HTTP does not pair as MultipleConditionHeadersNotSupported', () => {
    const request = parts('', { 'If-Match': '"a"', 'If-None-Match': '"b"' });
    expect(batchIssueOfFields(issuesOf(parseCondition(request.headers)), request).code).toBe('MultipleConditionHeadersNotSupported');
  });

  it('answers a bad ocp-date as an invalid header', () => {
    const request = parts('', { 'ocp-date': '2026-11-28T12:00:00Z' });
    const issue = batchIssueOfFields(issuesOf(parseBatchHeaders(request.headers)), request);
    expect(issue.code).toBe('InvalidHeaderValue');
    expect(issue.values.slice(0, 2)).toEqual([
      { key: 'HeaderName', value: 'ocp-date' },
      { key: 'HeaderValue', value: '2026-11-28T12:00:00Z' },
    ]);
  });

  it('answers a body over the limit 413 RequestBodyTooLarge', async () => {
    const issues = issuesOf(await parseJsonBody(post(`{"terminateReason":"${'x'.repeat(MAX_BODY_BYTES)}"}`), z.looseObject({})));
    const answer = batchIssueAnswer(batchIssueOfFields(issues, parts()), WRITE);
    expect([answer.status, answer.code]).toEqual([413, 'RequestBodyTooLarge']);
  });

  it('answers a body that is not JSON as InvalidRequestBody', async () => {
    const issues = issuesOf(await parseJsonBody(post('{"terminateReason":'), z.looseObject({})));
    expect(batchIssueOfFields(issues, parts()).code).toBe('InvalidRequestBody');
  });

  const terminateBody = z.strictObject({ terminateReason: z.string().max(1024, 'must be at most 1024 characters').optional() });

  it('answers a bad terminateReason as an invalid property, naming it', () => {
    const issues = issuesOf(fromZod(terminateBody, { terminateReason: 'x'.repeat(1025) }, 'body'));
    expect(batchIssueOfFields(issues, parts())).toEqual({
      code: 'InvalidPropertyValue',
      values: [
        { key: 'PropertyName', value: 'terminateReason' },
        { key: 'Reason', value: 'must be at most 1024 characters' },
      ],
    });
  });

  it('answers a property Batch does not define as UnsupportedProperty', () => {
    const issues = issuesOf(fromZod(terminateBody, { terminate_reason: 'x' }, 'body'));
    expect(batchIssueOfFields(issues, parts())).toEqual({ code: 'UnsupportedProperty', values: [{ key: 'PropertyName', value: 'terminate_reason' }] });
  });

  it('reports one issue: the query before a header before the body before an id', async () => {
    const request = parts('timeout=0', { 'client-request-id': 'x' });
    const parsed = all(
      fromZod(z.object({ jobId: z.string().max(3) }), { jobId: 'too-long' }),
      await parseJsonBody(post('nope'), z.looseObject({})),
      parseClientRequestId(request.headers),
      parseTimeout(request.query),
    );
    const issues = issuesOf(parsed);
    expect(issues.map((i) => i.field)).toEqual(['jobId', 'body', 'client-request-id', 'timeout']);
    expect(batchIssueOfFields(issues, request).code).toBe('InvalidQueryParameterValue');
    expect(batchIssueOfFields(issues.slice(0, 3), request).code).toBe('InvalidHeaderValue');
    expect(batchIssueOfFields(issues.slice(0, 2), request).code).toBe('InvalidRequestBody');
    expect(batchIssueOfFields(issues.slice(0, 1), request).code).toBe('JobNotFound');
  });

  it('answers a field it has no rule for as InvalidInput naming the field', () => {
    expect(batchIssueOfFields([{ field: 'mystery', message: 'is odd' }], parts())).toEqual({ code: 'InvalidInput', values: [{ key: 'Reason', value: 'mystery is odd' }] });
  });
});

describe('what @azure/batch makes of these answers', () => {
  it('turns the body into RestError.code, .statusCode and .body', async () => {
    const answer = batchIssueAnswer(batchIssueOfCode('TASK_NOT_COMPLETED', 'The task is running.'), WRITE);
    await withServer(
      () => jsonReply(answer.status, answer.body, { 'request-id': REQUEST_ID }),
      async (baseUrl) => {
        const error = await batchClient(baseUrl)
          .task.reactivate('job-1', 'task-1')
          .then(() => null, (e: unknown) => e as { code?: string; statusCode?: number; message: unknown; body?: unknown });
        expect(error?.code).toBe('TaskNotCompleted');
        expect(error?.statusCode).toBe(409);
        // ms-rest-js copies Batch's message object, not a string, into Error.message.
        expect(error?.message).toEqual(answer.body.message);
        expect(error?.body).toEqual(answer.body);
      },
    );
  });

  it('reads an api-version refusal as InvalidQueryParameterValue with the version named', async () => {
    const query = new URLSearchParams('api-version=1999-01-01.0.0');
    const parsed = parseApiVersion(query);
    if (parsed.kind !== 'refused') throw new Error('expected a refusal');
    const answer = batchIssueAnswer(batchIssueOfFields(parsed.issues, { query, headers: new Headers() }), WRITE);
    await withServer(
      () => jsonReply(answer.status, answer.body),
      async (baseUrl) => {
        const error = await batchClient(baseUrl)
          .job.get('job-1')
          .then(() => null, (e: unknown) => e as { code?: string; statusCode?: number; body?: { values?: { key: string; value: string }[] } });
        expect([error?.code, error?.statusCode]).toEqual(['InvalidQueryParameterValue', 400]);
        expect(error?.body?.values).toContainEqual({ key: 'QueryParameterValue', value: '1999-01-01.0.0' });
      },
    );
  });

  it('rejects a 304 from a read as a RestError without a code, the status telling what happened', async () => {
    await withServer(
      () => ({ status: 304 }),
      async (baseUrl) => {
        const error = await batchClient(baseUrl)
          .task.get('job-1', 'task-1', { taskGetOptions: { ifNoneMatch: '"a"' } })
          .then(() => null, (e: unknown) => e as { code?: string; statusCode?: number });
        expect(error?.statusCode).toBe(304);
        expect(error?.code).toBeUndefined();
      },
    );
  });
});

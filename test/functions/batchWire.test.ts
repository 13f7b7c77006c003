import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { getJobHandler } from '../../src/functions/getJob';
import { getTaskHandler } from '../../src/functions/getTask';
import { getTaskHistoryHandler } from '../../src/functions/getTaskHistory';
import { reactivateFailedTasksHandler } from '../../src/functions/reactivateFailedTasks';
import { reactivateTaskHandler } from '../../src/functions/reactivateTask';
import { terminateJobHandler } from '../../src/functions/terminateJob';
import { BATCH_ERRORS, batchErrorSchema, type BatchErrorBody } from '../../src/http/batch/batchError';
import { cloudJobSchema } from '../../src/http/batch/cloudJob';
import { cloudTaskSchema } from '../../src/http/batch/cloudTask';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask, aSucceededTask } from '../support/fixtures';
import { invoke, type Answer, type Call } from '../support/http';
import { appFor, freshTable, uniqueId, type TestApp } from '../support/storage';

/**
 * The routes in Azure Batch's wire format (a request with api-version), through the real handlers
 * and the real Azurite: the statuses, bodies and headers Batch answers, its codes for the refusals
 * the app already makes, and the request parts only Batch has.
 */

const VERSION = '2022-10-01.16.0';
const BASE = 'http://localhost:7071';
const BATCH_JSON = 'application/json;odata=minimalmetadata';

let table: FixtureTable;
let app: TestApp;

beforeAll(async () => {
  ({ table } = await freshTable());
  app = await appFor(table);
});

async function seed(): Promise<string> {
  const jobId = uniqueId('Wire');
  await table.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 'Failed-1', job_id: jobId }), aRunningTask({ id: 'run', job_id: jobId }), aSucceededTask({ id: 'ok', job_id: jobId })]);
  return jobId;
}

const reactivate = (jobId: string, taskId = 'Failed-1', extra: Partial<Call> & { query?: string } = {}): Call => ({
  path: `/jobs/${jobId}/tasks/${taskId}/reactivate${extra.query ?? `?api-version=${VERSION}`}`,
  params: { jobId, taskId },
  ...extra,
});

/** A BatchError as Batch sends it, in its content type; the body, for the test to look into. */
function expectBatchError(answer: Answer, status: number, code: string): BatchErrorBody {
  expect([answer.status, (answer.json as { code?: string } | undefined)?.code]).toEqual([status, code]);
  expect(answer.headers.get('content-type')).toBe(BATCH_JSON);
  const body = batchErrorSchema.parse(answer.json);
  expect(body['odata.metadata']).toBe(`${BASE}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`);
  expect(body.message.value).toMatch(new RegExp(`\\nRequestId:${answer.headers.get('request-id') ?? 'none'}\\nTime:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{7}Z$`));
  return body;
}

describe('reactivate in Batch format', () => {
  it('answers 204 with no body, the new ETag, Last-Modified and DataServiceId; the task is active', async () => {
    const jobId = await seed();
    const answer = await invoke(reactivateTaskHandler(app), reactivate(jobId));
    const stored = await table.readTask(jobId, 'Failed-1');
    expect([answer.status, answer.text]).toEqual([204, '']);
    expect(answer.headers.get('etag')).toBe(stored?.etag);
    expect(answer.headers.get('last-modified')).toBe(new Date(stored?.task.last_modified ?? '').toUTCString());
    expect(answer.headers.get('dataserviceid')).toBe(`${BASE}/jobs/${jobId}/tasks/Failed-1/reactivate`);
    expect(answer.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(stored?.task).toMatchObject({ state: 'active', retry_count: 0, reactivation_count: 1 });
    expect(answer.logs.map((log) => log.message).join('\n')).toContain('"dialect":"batch"');
  });

  it.each([
    ['run', 409, 'TaskNotCompleted', 'The task is running; only a completed task can be reactivated.'],
    ['ok', 409, 'TaskSucceeded', 'The task completed successfully; only a failed task can be reactivated.'],
    ['none', 404, 'TaskNotFound', 'The task does not exist in this job.'],
  ])('refuses %s with Batch code %s, the app sentence as its Reason', async (taskId, status, code, reason) => {
    const jobId = await seed();
    const body = expectBatchError(await invoke(reactivateTaskHandler(app), reactivate(jobId, taskId)), status, code);
    expect(body.message.value.startsWith(BATCH_ERRORS[code as keyof typeof BATCH_ERRORS].message)).toBe(true);
    expect(body.values).toEqual([{ key: 'Reason', value: reason }]);
  });

  it('keys a retry by x-ms-client-request-id, the id the SDK generates: the repeat replays instead of TaskNotCompleted', async () => {
    const jobId = await seed();
    const generated = randomUUID();
    const first = await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { headers: { 'x-ms-client-request-id': generated } }));
    const repeat = await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { headers: { 'x-ms-client-request-id': generated.toUpperCase() } }));
    expect([first.status, repeat.status]).toEqual([204, 204]);
    expect(repeat.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await table.listHistory(jobId, 'Failed-1')).toEqual([expect.objectContaining({ client_request_id: generated, reactivation_number: 1 })]);
    // Another id is another request: refused as Batch refuses it.
    expectBatchError(await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { headers: { 'x-ms-client-request-id': randomUUID() } })), 409, 'TaskNotCompleted');
  });

  it('lets client-request-id win over x-ms-client-request-id, as a per-call id wins in the SDK', async () => {
    const jobId = await seed();
    const [given, generated] = [randomUUID(), randomUUID()];
    await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { headers: { 'client-request-id': given, 'x-ms-client-request-id': generated } }));
    expectBatchError(await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { headers: { 'x-ms-client-request-id': generated } })), 409, 'TaskNotCompleted');
    expect((await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { headers: { 'client-request-id': given, 'x-ms-client-request-id': randomUUID() } }))).status).toBe(204);
  });

  it('ignores x-ms-client-request-id in the envelope, whose contract names client-request-id alone', async () => {
    const jobId = await seed();
    const generated = randomUUID();
    const call = reactivate(jobId, 'Failed-1', { query: '', headers: { 'x-ms-client-request-id': generated } });
    expect((await invoke(reactivateTaskHandler(app), call)).status).toBe(200);
    expect(await invoke(reactivateTaskHandler(app), call)).toMatchObject({ status: 409, body: { error: { code: 'TASK_NOT_COMPLETED' } } });
  });

  it('echoes client-request-id as Batch does: only with return-client-request-id: true, as the caller spelled it', async () => {
    const jobId = await seed();
    const id = randomUUID().toUpperCase();
    const echoed = await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { headers: { 'client-request-id': id, 'return-client-request-id': 'true' } }));
    const silent = await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { headers: { 'client-request-id': id } }));
    expect([echoed.status, echoed.headers.get('client-request-id'), silent.status, silent.headers.has('client-request-id')]).toEqual([204, id, 204, false]);
  });
});

describe("the request parts only Batch's format has, refused as Batch refuses them and before anything changes", () => {
  it.each([
    ['an api-version Batch never had', '?api-version=2022-10-01.16.1', {}, 400, 'InvalidQueryParameterValue', [{ key: 'QueryParameterName', value: 'api-version' }, { key: 'QueryParameterValue', value: '2022-10-01.16.1' }, { key: 'Reason', value: 'not a Batch data-plane api-version' }]],
    ['api-version twice', `?api-version=${VERSION}&API-VERSION=${VERSION}`, {}, 400, 'InvalidQueryParameterValue', expect.arrayContaining([{ key: 'Reason', value: 'must be given at most once' }]) as unknown],
    ['an ocp-date that is no HTTP date', `?api-version=${VERSION}`, { 'ocp-date': '2026-11-28T12:00:00Z' }, 400, 'InvalidHeaderValue', [{ key: 'HeaderName', value: 'ocp-date' }, { key: 'HeaderValue', value: '2026-11-28T12:00:00Z' }, { key: 'Reason', value: 'must be an HTTP date such as Sun, 06 Nov 1994 08:49:37 GMT' }]],
    ['an x-ms-client-request-id that is no UUID', `?api-version=${VERSION}`, { 'x-ms-client-request-id': 'abc' }, 400, 'InvalidHeaderValue', expect.arrayContaining([{ key: 'HeaderName', value: 'x-ms-client-request-id' }]) as unknown],
    ['a timeout of 0', `?api-version=${VERSION}&timeout=0`, {}, 400, 'InvalidQueryParameterValue', expect.arrayContaining([{ key: 'QueryParameterName', value: 'timeout' }]) as unknown],
    ['If-Match with If-None-Match', `?api-version=${VERSION}`, { 'If-Match': '*', 'If-None-Match': '*' }, 400, 'MultipleConditionHeadersNotSupported', expect.any(Array) as unknown],
  ])('%s', async (_, query, headers, status, code, values) => {
    const jobId = await seed();
    const before = await table.readTask(jobId, 'Failed-1');
    const body = expectBatchError(await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { query, headers })), status, code);
    expect(body.values).toEqual(values);
    expect(await table.readTask(jobId, 'Failed-1')).toEqual(before);
  });

  it('accepts a well-formed ocp-date, however old: the clock is checked only with a SharedKey signature', async () => {
    const jobId = await seed();
    expect((await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { headers: { 'ocp-date': 'Sun, 06 Nov 1994 08:49:37 GMT' } }))).status).toBe(204);
  });

  it('answers an id that breaks the id rules as the resource not found, and a body over the limit 413', async () => {
    const jobId = await seed();
    expectBatchError(await invoke(reactivateTaskHandler(app), reactivate(jobId, 'a.b')), 404, 'TaskNotFound');
    expectBatchError(await invoke(reactivateTaskHandler(app), reactivate('a.b')), 404, 'JobNotFound');
    expectBatchError(await invoke(reactivateTaskHandler(app), reactivate(jobId, 'Failed-1', { body: JSON.stringify({ pad: 'x'.repeat(17_000) }) })), 413, 'RequestBodyTooLarge');
  });
});

describe('GET task and GET job in Batch format', () => {
  it('answers CloudTask in Batch content type, its eTag the ETag header', async () => {
    const jobId = await seed();
    const answer = await invoke(getTaskHandler(app), { method: 'GET', path: `/jobs/${jobId}/tasks/failed-1?api-version=${VERSION}`, params: { jobId, taskId: 'failed-1' } });
    const stored = await table.readTask(jobId, 'Failed-1');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe(BATCH_JSON);
    expect(answer.headers.get('dataserviceversion')).toBe('3.0');
    const task = cloudTaskSchema.parse(answer.json);
    expect(task).toMatchObject({ id: 'Failed-1', url: `${BASE}/jobs/${jobId}/tasks/Failed-1`, eTag: stored?.etag, state: 'completed', executionInfo: { exitCode: 3, result: 'failure', retryCount: 2 } });
    expect(answer.headers.get('etag')).toBe(stored?.etag);
  });

  it('answers CloudJob, and JobNotFound for a job that does not exist', async () => {
    const jobId = await seed();
    const answer = await invoke(getJobHandler(app), { method: 'GET', path: `/jobs/${jobId}?api-version=${VERSION}`, params: { jobId } });
    expect(answer.headers.get('content-type')).toBe(BATCH_JSON);
    expect(cloudJobSchema.parse(answer.json)).toMatchObject({ id: jobId, state: 'active', eTag: (await table.readJob(jobId))?.etag });
    const missing = uniqueId('none');
    expectBatchError(await invoke(getJobHandler(app), { method: 'GET', path: `/jobs/${missing}?api-version=${VERSION}`, params: { jobId: missing } }), 404, 'JobNotFound');
  });

  it("words a failed precondition of a read as Batch's read", async () => {
    const jobId = await seed();
    const body = expectBatchError(await invoke(getJobHandler(app), { method: 'GET', path: `/jobs/${jobId}?api-version=${VERSION}`, params: { jobId }, headers: { 'If-Match': 'W/"stale"' } }), 412, 'ConditionNotMet');
    expect(body.message.value).toMatch(/^The condition specified in the conditional header\(s\) was not met for a read operation\./);
  });
});

describe('terminate in Batch format', () => {
  const terminate = (jobId: string, body: string | undefined, query = `?api-version=${VERSION}`) =>
    invoke(terminateJobHandler(app), { path: `/jobs/${jobId}/terminate${query}`, params: { jobId }, ...(body === undefined ? {} : { body }) });

  it('takes terminateReason, answers 202 with no body and DataServiceId, and the job completes with that reason', async () => {
    const jobId = await seed();
    const answer = await terminate(jobId, '{"terminateReason":"Budget exhausted"}');
    const stored = await table.readJob(jobId);
    expect([answer.status, answer.text]).toEqual([202, '']);
    expect(answer.headers.get('dataserviceid')).toBe(`${BASE}/jobs/${jobId}/terminate`);
    expect(answer.headers.get('etag')).toBe(stored?.etag);
    expect(stored?.job).toMatchObject({ state: 'completed', termination_reason: 'Budget exhausted' });
    expectBatchError(await terminate(jobId, undefined), 409, 'JobCompleted');
  });

  it("refuses the envelope's terminate_reason as a property Batch does not have, and the envelope refuses terminateReason", async () => {
    const jobId = await seed();
    const before = await table.readJob(jobId);
    const batch = expectBatchError(await terminate(jobId, '{"terminate_reason":"x"}'), 400, 'UnsupportedProperty');
    expect(batch.values).toEqual([{ key: 'PropertyName', value: 'terminate_reason' }]);
    const envelope = await terminate(jobId, '{"terminateReason":"x"}', '');
    expect([envelope.status, envelope.body.error?.details]).toEqual([400, [{ field: 'body.terminateReason', message: 'is not a known field' }]]);
    const tooLong = expectBatchError(await terminate(jobId, JSON.stringify({ terminateReason: 'x'.repeat(1025) })), 400, 'InvalidPropertyValue');
    expect(tooLong.values).toEqual([{ key: 'PropertyName', value: 'terminateReason' }, { key: 'Reason', value: 'must be at most 1024 characters' }]);
    expect(await table.readJob(jobId)).toEqual(before);
  });
});

describe("the app's own routes in Batch format", () => {
  it('answers the history as a list under value, and the bulk result bare, in Batch content type', async () => {
    const jobId = await seed();
    await invoke(reactivateTaskHandler(app), reactivate(jobId));
    const history = await invoke(getTaskHistoryHandler(app), { method: 'GET', path: `/jobs/${jobId}/tasks/Failed-1/history?api-version=${VERSION}`, params: { jobId, taskId: 'Failed-1' } });
    expect(history.headers.get('content-type')).toBe(BATCH_JSON);
    expect(history.json).toEqual({ value: [expect.objectContaining({ task_id: 'Failed-1', reactivation_number: 1 })] });
    const bulk = await invoke(reactivateFailedTasksHandler(app), { path: `/jobs/${jobId}/reactivate-failed-tasks?api-version=${VERSION}`, params: { jobId }, body: '{"dry_run":true}' });
    expect([bulk.status, bulk.json]).toEqual([200, expect.objectContaining({ job_id: jobId, dry_run: true, reactivated: [] })]);
  });
});

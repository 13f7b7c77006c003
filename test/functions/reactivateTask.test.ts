import { randomUUID } from 'node:crypto';

import type { HttpHandler } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';

import { reactivateTaskHandler } from '../../src/functions/reactivateTask';
import type { MessageQueue } from '../../src/storage/messageQueue';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { invoke, type Call } from '../support/http';
import { appFor, freshQueue, freshTable, peekAll, tableWith, uniqueId, type TestApp } from '../support/storage';

let table: FixtureTable;
let app: TestApp;
let events: MessageQueue;
let tableName: string;
let handler: HttpHandler;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  events = await freshQueue('events');
  app = await appFor(table, { events });
  handler = reactivateTaskHandler(app);
});

async function seedFailed(): Promise<string> {
  const jobId = uniqueId('http');
  await table.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 'task-7', job_id: jobId }), aRunningTask({ id: 'busy', job_id: jobId })]);
  return jobId;
}

function reactivate(jobId: string, taskId = 'task-7', extra: Partial<Call> & { query?: string } = {}): Call {
  return { path: `/jobs/${jobId}/tasks/${taskId}/reactivate${extra.query ?? ''}`, params: { jobId, taskId }, ...extra };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /jobs/{jobId}/tasks/{taskId}/reactivate', () => {
  it('answers 200 with the reactivated task, its new ETag, Last-Modified and a fresh request-id', async () => {
    const jobId = await seedFailed();
    const answer = await invoke(handler, reactivate(jobId));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, data: { id: 'task-7', job_id: jobId, state: 'active', retry_count: 0, exit_code: null, failure_info: null, reactivation_count: 1 } });
    const stored = await table.readTask(jobId, 'task-7');
    expect(answer.headers.get('etag')).toBe(stored?.etag);
    expect((answer.body.data as { etag: string }).etag).toBe(stored?.etag);
    expect(answer.headers.get('last-modified')).toBe(new Date(stored?.task.last_modified ?? '').toUTCString());
    expect(answer.headers.get('request-id')).toMatch(UUID);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.has('client-request-id')).toBe(false);
  });

  it('echoes client-request-id only when return-client-request-id is true, and replays the same success', async () => {
    const jobId = await seedFailed();
    const id = randomUUID().toUpperCase();
    const first = await invoke(handler, reactivate(jobId, 'task-7', { headers: { 'client-request-id': id, 'return-client-request-id': 'true' } }));
    const again = await invoke(handler, reactivate(jobId, 'task-7', { headers: { 'client-request-id': id.toLowerCase() } }));
    expect(first.headers.get('client-request-id')).toBe(id);
    expect(again.status).toBe(200);
    expect(again.headers.has('client-request-id')).toBe(false);
    expect(again.body.data).toEqual(first.body.data);
    expect(again.headers.get('request-id')).not.toBe(first.headers.get('request-id'));
  });

  it('emits exactly one task.reactivated event, with the new ETag, and marks its outbox row published; a replay emits none', async () => {
    const jobId = await seedFailed();
    const own = await freshQueue('events');
    const ownApp = await appFor(table, { events: own });
    const withOwnQueue = reactivateTaskHandler(ownApp);
    const clientRequestId = randomUUID();
    const first = await invoke(withOwnQueue, reactivate(jobId, 'task-7', { headers: { 'client-request-id': clientRequestId } }));
    await invoke(withOwnQueue, reactivate(jobId, 'task-7', { headers: { 'client-request-id': clientRequestId } }));
    const [history] = await table.listHistory(jobId, 'task-7');
    expect(await peekAll(own)).toEqual([
      {
        type: 'task.reactivated',
        event_id: history?.event_id,
        job_id: jobId,
        task_id: 'task-7',
        request_id: clientRequestId,
        client_request_id: clientRequestId,
        trigger: 'http',
        reactivation_number: 1,
        etag: first.headers.get('etag'),
        time: history?.reactivated_at,
      },
    ]);
    // The bookkeeping after the answer: the outbox row marked, the delayed check withdrawn.
    await ownApp.outbox.settled();
    expect(await table.unpublishedEvents(jobId)).toEqual([]);
    expect((await ownApp.outboxChecks.queueClient.getProperties()).approximateMessagesCount).toBe(0);
  });

  it.each([
    ['TASK_NOT_COMPLETED', 409, 'busy', {}],
    ['TASK_NOT_FOUND', 404, 'ghost', {}],
    ['CONDITION_NOT_MET', 412, 'task-7', { 'if-match': 'W/"stale"' }],
  ])('%s answers %i with the error envelope', async (code, status, taskId, headers) => {
    const jobId = await seedFailed();
    const answer = await invoke(handler, reactivate(jobId, taskId, { headers }));
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ success: false, error: { code, message: expect.any(String) as string } });
    expect(answer.headers.get('request-id')).toMatch(UUID);
  });

  it('JOB_NOT_FOUND answers 404', async () => {
    const answer = await invoke(handler, reactivate(uniqueId('missing')));
    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'JOB_NOT_FOUND' } } });
  });

  it.each([
    ['JOB_COMPLETED', 'completed'],
    ['JOB_BEING_TERMINATED', 'terminating'],
    ['JOB_BEING_DELETED', 'deleting'],
  ] as const)('%s answers 409', async (code, state) => {
    const jobId = uniqueId('state');
    await table.loadJob(aJob({ id: jobId, state }), [aFailedTask({ id: 'task-7', job_id: jobId })]);
    expect(await invoke(handler, reactivate(jobId))).toMatchObject({ status: 409, body: { error: { code } } });
  });

  it('If-Match with the current ETag, and the allowed pairs, are honoured', async () => {
    const jobId = await seedFailed();
    const etag = (await table.readTask(jobId, 'task-7'))?.etag ?? '';
    const answer = await invoke(handler, reactivate(jobId, 'task-7', { headers: { 'if-match': etag, 'if-unmodified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' } }));
    expect(answer.status).toBe(200);
  });

  it('accepts timeOut (the newer spelling) and treats values above 30 as 30', async () => {
    const jobId = await seedFailed();
    expect((await invoke(handler, reactivate(jobId, 'task-7', { query: '?timeOut=3600' }))).status).toBe(200);
  });

  it('logs one structured line with ids, outcome, storage requests and duration, and no secrets', async () => {
    const jobId = await seedFailed();
    // An earlier reactivation in this job has filed it for retention today, as most have.
    await table.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 'task-8', job_id: jobId })]);
    expect((await invoke(handler, reactivate(jobId, 'task-8'))).status).toBe(200);
    const answer = await invoke(handler, reactivate(jobId));
    const lines = answer.logs.filter((log) => log.message.includes('"event":"request"'));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]?.message ?? '{}') as Record<string, unknown>;
    // The critical path: two reads and the delayed check in parallel, the commit, the event. The
    // outbox mark and the check's withdrawal come after the answer, and are not in its line.
    expect(line).toMatchObject({ requestId: answer.headers.get('request-id'), route: 'reactivateTask', jobId, taskId: 'task-7', status: 200, outcome: 'OK', taskEvent: 'published', storageRequests: 5, conflicts: 0 });
    expect(typeof line.durationMs).toBe('number');
    expect(answer.logs.map((l) => l.message).join('\n')).not.toMatch(/AccountKey|SharedAccessSignature|sig=/);
  });

  it('answers SERVER_BUSY with Retry-After when storage keeps failing', async () => {
    const jobId = await seedFailed();
    const busyTable = tableWith(tableName, {
      name: 'busy',
      sendRequest: (request) => Promise.resolve({ request, status: 503, headers: request.headers, bodyAsText: '' }),
    });
    const answer = await invoke(reactivateTaskHandler({ ...app, store: busyTable }), reactivate(jobId, 'task-7', { query: '?timeout=5' }));
    expect(answer).toMatchObject({ status: 503, body: { success: false, error: { code: 'SERVER_BUSY' } } });
    expect(answer.headers.get('retry-after')).toBe('1');
  });

  it('answers INTERNAL_ERROR for a row it cannot read, with the request id and no internals', async () => {
    const jobId = await seedFailed();
    const corrupt = tableWith(tableName, {
      name: 'corruptRow',
      async sendRequest(request, next) {
        const response = await next(request);
        return request.method === 'GET' ? { ...response, bodyAsText: response.bodyAsText?.replace('"state":"completed"', '"state":"exploded"') } : response;
      },
    });
    const answer = await invoke(reactivateTaskHandler({ ...app, store: corrupt }), reactivate(jobId));
    expect(answer.status).toBe(500);
    expect(answer.body.error?.code).toBe('INTERNAL_ERROR');
    expect(answer.body.error?.message).toContain(answer.headers.get('request-id'));
    expect(answer.body.error?.message).not.toMatch(/exploded|Row|task\|/);
    expect(answer.logs.some((l) => l.level === 'error' && l.message.includes('CorruptRowError'))).toBe(true);
  });
});

describe('malformed requests: 400 VALIDATION_ERROR naming the field, and nothing changes', () => {
  const cases: [string, (jobId: string) => Call, string][] = [
    ['job id with a dot', () => reactivate('job.1', 'task-7'), 'jobId'],
    ['job id of 65 characters', () => reactivate('j'.repeat(65), 'task-7'), 'jobId'],
    ['empty task id', (j) => reactivate(j, ''), 'taskId'],
    ['task id with a slash', (j) => reactivate(j, 'a/b'), 'taskId'],
    ['task id with unicode', (j) => reactivate(j, 'tâche'), 'taskId'],
    ['timeout 0', (j) => reactivate(j, 'task-7', { query: '?timeout=0' }), 'timeout'],
    ['timeout -5', (j) => reactivate(j, 'task-7', { query: '?timeout=-5' }), 'timeout'],
    ['timeout 1.5', (j) => reactivate(j, 'task-7', { query: '?timeout=1.5' }), 'timeout'],
    ['timeout abc', (j) => reactivate(j, 'task-7', { query: '?timeout=abc' }), 'timeout'],
    ['timeout given twice', (j) => reactivate(j, 'task-7', { query: '?timeout=5&timeOut=6' }), 'timeout'],
    ['client-request-id not a UUID', (j) => reactivate(j, 'task-7', { headers: { 'client-request-id': 'abc' } }), 'client-request-id'],
    ['return-client-request-id not a boolean', (j) => reactivate(j, 'task-7', { headers: { 'return-client-request-id': 'yes' } }), 'return-client-request-id'],
    ['If-Modified-Since not a date', (j) => reactivate(j, 'task-7', { headers: { 'if-modified-since': 'yesterday' } }), 'If-Modified-Since'],
    ['If-Unmodified-Since on 31 February', (j) => reactivate(j, 'task-7', { headers: { 'if-unmodified-since': 'Mon, 31 Feb 2025 00:00:00 GMT' } }), 'If-Unmodified-Since'],
    ['If-Match and If-None-Match', (j) => reactivate(j, 'task-7', { headers: { 'if-match': '*', 'if-none-match': 'W/"x"' } }), 'conditional headers'],
    ['If-Match and If-Modified-Since', (j) => reactivate(j, 'task-7', { headers: { 'if-match': '*', 'if-modified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' } }), 'conditional headers'],
    ['If-None-Match and If-Unmodified-Since', (j) => reactivate(j, 'task-7', { headers: { 'if-none-match': 'W/"x"', 'if-unmodified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' } }), 'conditional headers'],
    ['the two dates', (j) => reactivate(j, 'task-7', { headers: { 'if-modified-since': 'Thu, 01 Jan 2015 00:00:00 GMT', 'if-unmodified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' } }), 'conditional headers'],
    ['body that is an array', (j) => reactivate(j, 'task-7', { body: '[]' }), 'body'],
    ['body that is a string', (j) => reactivate(j, 'task-7', { body: '"reactivate"' }), 'body'],
    ['body that is not JSON', (j) => reactivate(j, 'task-7', { body: '{nope' }), 'body'],
    ['body too large', (j) => reactivate(j, 'task-7', { body: JSON.stringify({ pad: 'x'.repeat(20_000) }) }), 'body'],
  ];

  it.each(cases)('%s', async (_, make, field) => {
    const jobId = await seedFailed();
    const before = await table.listTasks(jobId);
    const answer = await invoke(handler, make(jobId));
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('VALIDATION_ERROR');
    expect(answer.body.error?.details?.map((d) => d.field)).toContain(field);
    expect(answer.body.error?.message).toContain(field);
    expect(await table.listTasks(jobId)).toEqual(before);
  });

  it('reports every invalid field at once', async () => {
    const answer = await invoke(handler, { ...reactivate('bad id', 'bad/id', { query: '?timeout=0', headers: { 'client-request-id': 'x' } }) });
    expect(answer.body.error?.details?.map((d) => d.field).sort()).toEqual(['client-request-id', 'jobId', 'taskId', 'timeout']);
  });

  it('accepts an empty body and {}', async () => {
    expect((await invoke(handler, reactivate(await seedFailed(), 'task-7', { body: '' }))).status).toBe(200);
    expect((await invoke(handler, reactivate(await seedFailed(), 'task-7', { body: '{}' }))).status).toBe(200);
  });
});

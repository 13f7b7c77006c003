import { beforeAll, describe, expect, it } from 'vitest';

import { getJobHandler } from '../../src/functions/getJob';
import { getTaskHandler } from '../../src/functions/getTask';
import { getTaskHistoryHandler } from '../../src/functions/getTaskHistory';
import { reactivateTaskHandler } from '../../src/functions/reactivateTask';
import { terminateJobHandler } from '../../src/functions/terminateJob';
import type { MessageQueue } from '../../src/storage/messageQueue';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { invoke } from '../support/http';
import { withSeam } from '../support/seams';
import { appFor, freshQueue, freshTable, uniqueId, type TestApp } from '../support/storage';

let table: FixtureTable;
let app: TestApp;
let events: MessageQueue;

beforeAll(async () => {
  ({ table } = await freshTable());
  events = await freshQueue('events');
  app = await appFor(table, { events });
});

async function seed(): Promise<string> {
  const jobId = uniqueId('Neighbour');
  await table.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 'Failed-1', job_id: jobId }), aRunningTask({ id: 'run', job_id: jobId })]);
  return jobId;
}

describe('GET /jobs/{jobId}/tasks/{taskId}', () => {
  it('answers the task with its ETag and Last-Modified, ids as first spelled', async () => {
    const jobId = await seed();
    const answer = await invoke(getTaskHandler(app), { method: 'GET', path: '/x', params: { jobId: jobId.toUpperCase(), taskId: 'failed-1' } });
    const stored = await table.readTask(jobId, 'Failed-1');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, data: { ...aFailedTask({ id: 'Failed-1', job_id: jobId }), etag: stored?.etag } });
    expect(answer.headers.get('etag')).toBe(stored?.etag);
    expect(answer.headers.get('last-modified')).toBe(new Date(aFailedTask().last_modified).toUTCString());
  });

  it('answers JOB_NOT_FOUND, TASK_NOT_FOUND and VALIDATION_ERROR', async () => {
    const jobId = await seed();
    const handler = getTaskHandler(app);
    expect(await invoke(handler, { method: 'GET', path: '/x', params: { jobId: uniqueId('none'), taskId: 't' } })).toMatchObject({ status: 404, body: { error: { code: 'JOB_NOT_FOUND' } } });
    expect(await invoke(handler, { method: 'GET', path: '/x', params: { jobId, taskId: 'nope' } })).toMatchObject({ status: 404, body: { error: { code: 'TASK_NOT_FOUND' } } });
    expect(await invoke(handler, { method: 'GET', path: '/x', params: { jobId, taskId: 'a#b' } })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_ERROR' } } });
  });
});

describe('GET /jobs/{jobId}', () => {
  it('answers the job with its ETag', async () => {
    const jobId = await seed();
    const answer = await invoke(getJobHandler(app), { method: 'GET', path: '/x', params: { jobId } });
    const stored = await table.readJob(jobId);
    expect(answer).toMatchObject({ status: 200, body: { success: true, data: { ...aJob({ id: jobId }), etag: stored?.etag } } });
    expect(answer.headers.get('etag')).toBe(stored?.etag);
  });

  it('answers JOB_NOT_FOUND', async () => {
    expect(await invoke(getJobHandler(app), { method: 'GET', path: '/x', params: { jobId: uniqueId('none') } })).toMatchObject({ status: 404, body: { error: { code: 'JOB_NOT_FOUND' } } });
  });
});

describe('POST /jobs/{jobId}/terminate', () => {
  it('completes the job with the reason given, ends its running tasks, then refuses a second time', async () => {
    const jobId = await seed();
    const handler = terminateJobHandler(app);
    const answer = await invoke(handler, { path: '/x', params: { jobId }, body: JSON.stringify({ terminate_reason: 'Out of budget' }) });
    expect(answer).toMatchObject({ status: 200, body: { success: true, data: { id: jobId, state: 'completed', termination_reason: 'Out of budget' } } });
    expect(answer.headers.get('etag')).toBe((await table.readJob(jobId))?.etag);
    expect((await table.readTask(jobId, 'run'))?.task).toMatchObject({ state: 'completed', failure_info: { code: 'TaskEnded' } });
    expect(await invoke(handler, { path: '/x', params: { jobId } })).toMatchObject({ status: 409, body: { error: { code: 'JOB_COMPLETED' } } });
    const reactivation = await invoke(reactivateTaskHandler(app), { path: '/x', params: { jobId, taskId: 'Failed-1' } });
    expect(reactivation).toMatchObject({ status: 409, body: { error: { code: 'JOB_COMPLETED' } } });
  });

  it('answers 202, in the same envelope, with the job still terminating when the sweep goes on without the caller; GET /jobs/{jobId} shows its progress', async () => {
    const jobId = uniqueId('Large');
    await table.loadJob(aJob({ id: jobId }), Array.from({ length: 6 }, (_, i) => aRunningTask({ id: `r${i}`, job_id: jobId })));
    let started = 0;
    // ?timeout=4 keeps its last second for the answer; after its first page the call waits past
    // the rest, so it stops sweeping there.
    const slow = withSeam(table, 'writeJob', {
      after: async (call) => {
        if (call === 0) started = Date.now();
        if (call !== 1) return;
        while (Date.now() - started < 3_200) await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    const own = await appFor(table);
    const answer = await invoke(terminateJobHandler({ ...own, store: slow, sweep: { ...own.sweep, pageSize: 2 } }), { path: '/x?timeout=4', params: { jobId } });
    const stored = await table.readJob(jobId);
    expect(answer).toMatchObject({ status: 202, body: { success: true, data: { id: jobId, state: 'terminating', termination: { tasks_swept: 2 }, etag: stored?.etag } } });
    expect(answer.headers.get('etag')).toBe(stored?.etag);
    const got = await invoke(getJobHandler(app), { method: 'GET', path: '/x', params: { jobId } });
    expect(got).toMatchObject({
      status: 200,
      body: { data: { state: 'terminating', termination: { started_at: stored?.job.termination?.started_at, tasks_swept: 2, last_progress_at: stored?.job.termination?.last_progress_at } } },
    });
  });

  it.each([
    ['an unknown field', '{"reason":"x"}', 'body.reason'],
    ['a reason that is not a string', '{"terminate_reason":5}', 'body.terminate_reason'],
    ['a reason over 1024 characters', JSON.stringify({ terminate_reason: 'x'.repeat(1025) }), 'body.terminate_reason'],
    ['an array', '[1]', 'body'],
  ])('refuses %s and changes nothing', async (_, body, field) => {
    const jobId = await seed();
    const before = await table.readJob(jobId);
    const answer = await invoke(terminateJobHandler(app), { path: '/x', params: { jobId }, body });
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_ERROR' } } });
    expect(answer.body.error?.details?.map((d) => d.field)).toContain(field);
    expect(await table.readJob(jobId)).toEqual(before);
  });
});

describe('GET /jobs/{jobId}/tasks/{taskId}/history', () => {
  it('is empty before any reactivation, then lists the reset attempt with who asked', async () => {
    const jobId = await seed();
    const history = getTaskHistoryHandler(app);
    const call = { method: 'GET', path: '/x', params: { jobId, taskId: 'Failed-1' } };
    expect(await invoke(history, call)).toMatchObject({ status: 200, body: { success: true, data: [] } });
    const clientRequestId = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const reactivated = await invoke(reactivateTaskHandler(app), { path: '/x', params: { jobId, taskId: 'Failed-1' }, headers: { 'client-request-id': clientRequestId } });
    const answer = await invoke(history, call);
    expect(answer.body.data).toEqual([
      expect.objectContaining({
        task_id: 'Failed-1',
        job_id: jobId,
        reactivation_number: 1,
        request_id: reactivated.headers.get('request-id'),
        client_request_id: clientRequestId,
        trigger: 'http',
        exit_code: 3,
        result: 'failure',
        failure_info: { category: 'usererror', code: 'FailureExitCode', message: 'exit 3' },
        retry_count: 2,
      }),
    ]);
  });

  it('answers TASK_NOT_FOUND for an unknown task', async () => {
    const jobId = await seed();
    expect(await invoke(getTaskHistoryHandler(app), { method: 'GET', path: '/x', params: { jobId, taskId: 'ghost' } })).toMatchObject({ status: 404, body: { error: { code: 'TASK_NOT_FOUND' } } });
  });
});

describe('client-request-id on every route', () => {
  it.each([
    ['GET task', () => invoke(getTaskHandler(app), { method: 'GET', path: '/x', params: { jobId: 'j', taskId: 't' }, headers: { 'client-request-id': 'nope' } })],
    ['GET job', () => invoke(getJobHandler(app), { method: 'GET', path: '/x', params: { jobId: 'j' }, headers: { 'client-request-id': 'nope' } })],
    ['history', () => invoke(getTaskHistoryHandler(app), { method: 'GET', path: '/x', params: { jobId: 'j', taskId: 't' }, headers: { 'client-request-id': 'nope' } })],
    ['terminate', () => invoke(terminateJobHandler(app), { path: '/x', params: { jobId: 'j' }, headers: { 'client-request-id': 'nope' } })],
  ])('%s: a malformed one is a 400 naming it', async (_, call) => {
    const answer = await call();
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_ERROR' } } });
    expect(answer.body.error?.details?.map((d) => d.field)).toContain('client-request-id');
  });

  it('is echoed by a GET when asked', async () => {
    const jobId = await seed();
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const answer = await invoke(getJobHandler(app), { method: 'GET', path: '/x', params: { jobId }, headers: { 'client-request-id': id, 'return-client-request-id': 'true' } });
    expect(answer.headers.get('client-request-id')).toBe(id);
  });
});

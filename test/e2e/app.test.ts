import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { QueueClient } from '@azure/storage-queue';

import { decodeMessage } from '../../src/storage/messageQueue';
import { azuriteConnectionString } from '../support/storage';
import { descendantsOf, npmRun, pressCtrlC, seed, startApp, waitUntilGone, type StartedApp } from './startedApp';
import { differences, walkthroughSteps } from './walkthrough';

/**
 * Black-box: the app started by `npm start` (on a free port, against the test Azurite, so it starts
 * no Azurite of its own), loaded with `npm run seed`, driven over real HTTP.
 */

const RACE_TASKS = 24;
let app: StartedApp;
let env: NodeJS.ProcessEnv;

interface Answer {
  status: number;
  headers: Headers;
  body: { success: boolean; data?: Record<string, unknown> & { etag?: string }; error?: { code: string; message: string; details?: { field: string; message: string }[] } };
}

async function call(method: string, route: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const response = await fetch(`${app.url}${route}`, { method, headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

function failedTask(id: string): Record<string, unknown> {
  return { id, state: 'completed', result: 'failure', exit_code: 2, retry_count: 1, max_retry_count: 1 };
}

beforeAll(async () => {
  const suffix = randomUUID().replaceAll('-', '');
  env = {
    ...process.env,
    PORT: '0',
    TASKS_STORAGE: azuriteConnectionString(),
    TASKS_TABLE_NAME: `e2e${suffix}`,
    TASKS_REACTIVATION_QUEUE: `requests-${suffix}`,
    TASKS_EVENTS_QUEUE: `events-${suffix}`,
  };
  app = await startApp(env);
  const dir = mkdtempSync(path.join(tmpdir(), 'e2e-fixture-'));
  const fixture = path.join(dir, 'fixture.json');
  writeFileSync(
    fixture,
    JSON.stringify({
      jobs: [
        { id: 'Job-A', tasks: [failedTask('Failed-1'), failedTask('failed-2'), failedTask('via-queue'), { id: 'ok', state: 'completed', result: 'success' }, { id: 'busy', state: 'running' }] },
        { id: 'job-done', state: 'completed', tasks: [failedTask('t')] },
        { id: 'job-race', tasks: Array.from({ length: RACE_TASKS }, (_, i) => failedTask(`r${i}`)) },
      ],
    }),
  );
  const seeded = await seed(fixture, env);
  expect(seeded.code, seeded.output).toBe(0);
}, 120_000);

afterAll(async () => {
  const pid = app.child.pid!;
  const tree = [pid, ...descendantsOf(pid)];
  await pressCtrlC(app);
  // Nothing npm start began may outlive it.
  expect(await waitUntilGone(tree)).toEqual([]);
});

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function peek(queueName: string): Promise<string[]> {
  const { peekedMessageItems } = await new QueueClient(azuriteConnectionString(), queueName).peekMessages({ numberOfMessages: 32 });
  return peekedMessageItems.map((item) => item.messageText);
}

describe('npm start, end to end through the queue', () => {
  it('npm run enqueue reactivates the task, and task.reactivated lands on the events queue', async () => {
    const sent = await npmRun('enqueue', ['job-a', 'via-queue'], env);
    expect(sent.code, sent.output).toBe(0);
    const requestId = (JSON.parse(sent.output.trim().split('\n').at(-1) ?? '{}') as { request_id: string }).request_id;
    const task = await eventually(() => call('GET', '/jobs/Job-A/tasks/via-queue'), (answer) => answer.body.data?.state === 'active');
    expect(task.body.data).toMatchObject({ state: 'active', reactivation_count: 1 });
    const events = await eventually(() => peek(env.TASKS_EVENTS_QUEUE ?? ''), (messages) => messages.length > 0);
    expect(events.map((text) => decodeMessage(text))).toContainEqual(
      expect.objectContaining({ type: 'task.reactivated', job_id: 'Job-A', task_id: 'via-queue', request_id: requestId, trigger: 'queue', etag: task.body.data?.etag }),
    );
  });

  it('a message that is not base64 goes to the poison queue, as the host would move it', async () => {
    await new QueueClient(azuriteConnectionString(), env.TASKS_REACTIVATION_QUEUE ?? '').sendMessage('{"job_id": "job-a", "task_id": "ok"}');
    const poisoned = await eventually(() => peek(`${env.TASKS_REACTIVATION_QUEUE ?? ''}-poison`), (messages) => messages.length > 0);
    expect(poisoned).toEqual(['{"job_id": "job-a", "task_id": "ok"}']);
  });
});

describe('npm start, end to end over HTTP', () => {
  it('prints its URL and storage, and serves the OpenAPI document without a key', async () => {
    expect(app.output()).toMatch(/storage: table e2e\w+ at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
    const response = await fetch(`${app.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const doc = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/jobs/{jobId}/tasks/{taskId}/reactivate');
  });

  it('answers GET job and GET task with the envelope, ETag, Last-Modified and a request-id, ids as first spelled', async () => {
    const job = await call('GET', '/jobs/job-a');
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ success: true, data: { id: 'Job-A', state: 'active' } });
    expect(job.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const task = await call('GET', '/jobs/JOB-A/tasks/FAILED-1');
    expect(task.status).toBe(200);
    expect(task.body.data).toMatchObject({ id: 'Failed-1', job_id: 'Job-A', state: 'completed', result: 'failure', exit_code: 2 });
    expect(task.headers.get('etag')).toBe(task.body.data?.etag);
    expect(new Date(task.headers.get('last-modified') ?? '').getTime()).toBeGreaterThan(0);
  });

  it('reactivates under If-Match, echoes client-request-id, repeats idempotently, and keeps the history', async () => {
    const before = await call('GET', '/jobs/Job-A/tasks/Failed-1');
    const stale = await call('POST', '/jobs/Job-A/tasks/Failed-1/reactivate', { headers: { 'If-Match': 'W/"datetime\'2000-01-01T00%3A00%3A00Z\'"' } });
    expect([stale.status, stale.body.error?.code]).toEqual([412, 'CONDITION_NOT_MET']);

    const clientRequestId = randomUUID();
    const headers = { 'If-Match': before.body.data?.etag ?? '', 'client-request-id': clientRequestId, 'return-client-request-id': 'true' };
    const first = await call('POST', '/jobs/Job-A/tasks/Failed-1/reactivate?timeout=10', { headers });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ state: 'active', previous_state: 'completed', retry_count: 0, exit_code: null, result: null, failure_info: null, reactivation_count: 1 });
    expect(first.headers.get('client-request-id')).toBe(clientRequestId);
    expect(first.headers.get('etag')).toBe(first.body.data?.etag);

    const repeated = await call('POST', '/jobs/Job-A/tasks/Failed-1/reactivate', { headers: { 'client-request-id': clientRequestId } });
    expect([repeated.status, repeated.body.data?.etag]).toEqual([200, first.body.data?.etag]);
    const other = await call('POST', '/jobs/Job-A/tasks/Failed-1/reactivate');
    expect([other.status, other.body.error?.code]).toEqual([409, 'TASK_NOT_COMPLETED']);

    const history = await call('GET', '/jobs/Job-A/tasks/Failed-1/history');
    expect(history.status).toBe(200);
    expect(history.body.data).toEqual([expect.objectContaining({ reactivation_number: 1, exit_code: 2, result: 'failure', client_request_id: clientRequestId, trigger: 'http' })]);
  });

  it('refuses what the contract refuses, with its codes', async () => {
    const cases: [string, number, string][] = [
      ['/jobs/Job-A/tasks/ok/reactivate', 409, 'TASK_SUCCEEDED'],
      ['/jobs/Job-A/tasks/busy/reactivate', 409, 'TASK_NOT_COMPLETED'],
      ['/jobs/job-done/tasks/t/reactivate', 409, 'JOB_COMPLETED'],
      ['/jobs/no-such-job/tasks/t/reactivate', 404, 'JOB_NOT_FOUND'],
      ['/jobs/Job-A/tasks/no-such-task/reactivate', 404, 'TASK_NOT_FOUND'],
    ];
    for (const [route, status, code] of cases) {
      const answer = await call('POST', route);
      expect([route, answer.status, answer.body.success, answer.body.error?.code]).toEqual([route, status, false, code]);
      expect(answer.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('lists every invalid part of a request in one 400, and changes nothing', async () => {
    const answer = await call('POST', '/jobs/Job-A/tasks/bad.id/reactivate?timeout=0', { headers: { 'client-request-id': 'not-a-uuid', 'content-type': 'application/json' }, body: '[1]' });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('VALIDATION_ERROR');
    expect(answer.body.error?.details?.map((detail) => detail.field)).toEqual(['taskId', 'timeout', 'client-request-id', 'body']);
    const both = await call('POST', '/jobs/Job-A/tasks/failed-2/reactivate', { headers: { 'If-Match': '*', 'If-None-Match': '*' } });
    expect([both.status, both.body.error?.details?.[0]?.field]).toEqual([400, 'conditional headers']);
    const unknownField = await call('POST', '/jobs/Job-A/terminate', { headers: { 'content-type': 'application/json' }, body: '{"reason":"x"}' });
    expect([unknownField.status, unknownField.body.error?.details]).toEqual([400, [{ field: 'body.reason', message: 'is not a known field' }]]);
    const untouched = await call('GET', '/jobs/Job-A/tasks/failed-2');
    expect(untouched.body.data).toMatchObject({ state: 'completed', reactivation_count: 0 });
    expect((await call('GET', '/jobs/Job-A')).body.data).toMatchObject({ state: 'active' });
  });

  it('answers a path no route takes with 404, and a method a route does not take with 405, in the envelope', async () => {
    const missing = await call('GET', '/nowhere');
    expect([missing.status, missing.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    const wrongMethod = await call('DELETE', '/jobs/Job-A');
    expect([wrongMethod.status, wrongMethod.body.error?.code, wrongMethod.headers.get('allow')]).toEqual([405, 'METHOD_NOT_ALLOWED', 'GET']);
  });

  it('never leaves a task active in a terminated job, whatever the interleaving of reactivations and a termination', async () => {
    const ids = Array.from({ length: RACE_TASKS }, (_, i) => `r${i}`);
    const reactivations = ids.map((id) => call('POST', `/jobs/job-race/tasks/${id}/reactivate`));
    const termination = call('POST', '/jobs/job-race/terminate', { headers: { 'content-type': 'application/json' }, body: '{"terminate_reason":"race"}' });
    const [terminated, ...answers] = await Promise.all([termination, ...reactivations]);
    expect(terminated.status).toBe(200);
    expect(terminated.body.data).toMatchObject({ state: 'completed', termination_reason: 'race' });

    for (const [index, id] of ids.entries()) {
      const answer = answers[index]!;
      const task = (await call('GET', `/jobs/job-race/tasks/${id}`)).body.data;
      const history = (await call('GET', `/jobs/job-race/tasks/${id}/history`)).body.data as unknown as unknown[];
      // No task is left active, whoever won.
      expect(task?.state).toBe('completed');
      if (answer.status === 200) {
        // The reactivation came first; the termination then ended the task it had made active.
        expect(history).toHaveLength(1);
        expect(task).toMatchObject({ result: 'failure', reactivation_count: 1, failure_info: { code: 'TaskEnded' } });
      } else {
        // The termination came first: refused, and nothing changed.
        expect([answer.status, ['JOB_BEING_TERMINATED', 'JOB_COMPLETED'].includes(answer.body.error?.code ?? '')]).toEqual([409, true]);
        expect(history).toEqual([]);
        expect(task).toMatchObject({ reactivation_count: 0, exit_code: 2 });
      }
    }
    const again = await call('POST', '/jobs/job-race/terminate');
    expect([again.status, again.body.error?.code]).toEqual([409, 'JOB_COMPLETED']);
  });
});

describe("the README's walk-through", () => {
  it('answers as written, step by step', async () => {
    const steps = walkthroughSteps('README.md');
    expect(steps.map((step) => step.kind)).toEqual(['seed', ...Array<string>(9).fill('curl')]);
    for (const step of steps) {
      if (step.kind === 'seed') {
        const seeded = await seed(step.file, env);
        expect(seeded.code, seeded.output).toBe(0);
        continue;
      }
      const response = await fetch(step.url.replace('http://127.0.0.1:7071', app.url), {
        method: step.method,
        headers: step.headers,
        ...(step.body !== undefined ? { body: step.body } : {}),
      });
      const label = `${step.method} ${step.url}`;
      expect([label, response.status]).toEqual([label, step.status]);
      expect([label, differences(step.answer, await response.json())]).toEqual([label, []]);
    }
  });
});

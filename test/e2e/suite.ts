import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { QueueClient } from '@azure/storage-queue';

import { decodeMessage, encodeMessage } from '../../src/storage/messageQueue';
import { azuriteConnectionString } from '../support/storage';
import type { HostUnderTest } from './hosts';
import { descendantsOf, npmRun, pressCtrlC, seed, startApp, waitUntilGone, type StartedApp } from './startedApp';
import { differences, walkthroughSteps } from './walkthrough';

/**
 * Black-box, under one host: the app started by `npm start` (on a free port, against the tests'
 * Azurite, so it starts no Azurite of its own, with a table, queues and host id of its own),
 * loaded with `npm run seed`, driven over real HTTP and through the real queues. The same suite
 * runs under each host (localHost.test.ts, realHost.test.ts); where the hosts differ, the test
 * says how (docs/local-development.md: the local host and the real one).
 */

const RACE_TASKS = 24;
/** Five pages of a termination sweep. */
const BIG_JOB_TASKS = 5_000;
/** Queue work is polled for, with deadlines far above what it takes (the host polls every 2 s at most). */
const QUEUE_DEADLINE_MS = 60_000;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: { success: boolean; data?: Record<string, unknown> & { etag?: string }; error?: { code: string; message: string; details?: { field: string; message: string }[] } };
}

function failedTask(id: string): Record<string, unknown> {
  return { id, state: 'completed', result: 'failure', exit_code: 2, retry_count: 1, max_retry_count: 1 };
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = QUEUE_DEADLINE_MS): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every message a queue has received so far, read off it (it has no other reader) and kept. */
function queueReader(queueName: () => string): () => Promise<string[]> {
  const seen: string[] = [];
  return async () => {
    const queue = new QueueClient(azuriteConnectionString(), queueName());
    if (!(await queue.exists())) return seen;
    for (;;) {
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
      if (receivedMessageItems.length === 0) return seen;
      for (const item of receivedMessageItems) {
        seen.push(item.messageText);
        await queue.deleteMessage(item.messageId, item.popReceipt);
      }
    }
  };
}

function decoded(texts: readonly string[]): Record<string, unknown>[] {
  return texts.flatMap((text): Record<string, unknown>[] => {
    try {
      const value: unknown = decodeMessage(text);
      return typeof value === 'object' && value !== null ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

export function endToEndSuite(host: HostUnderTest): void {
  describe(`npm start under ${host.name}`, () => {
    let app: StartedApp;
    let env: NodeJS.ProcessEnv;
    let key = '';
    let createdLocalSettings = false;

    const keyHeader = (): Record<string, string> => (host.checksKeys ? { 'x-functions-key': key } : {});
    const call = async (method: string, route: string, init: { headers?: Record<string, string>; body?: string; withKey?: boolean } = {}): Promise<Answer> => {
      const headers = { ...(init.withKey === false ? {} : keyHeader()), ...init.headers };
      const response = await fetch(`${app.url}${route}`, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
      const text = await response.text();
      let body: Answer['body'] = { success: false };
      try {
        body = JSON.parse(text) as Answer['body'];
      } catch {
        // An answer of the host itself: no body, or not the app's envelope.
      }
      return { status: response.status, headers: response.headers, text, body };
    };
    const events = queueReader(() => env.TASKS_EVENTS_QUEUE ?? '');
    const poisoned = queueReader(() => `${env.TASKS_REACTIVATION_QUEUE ?? ''}-poison`);

    beforeAll(async () => {
      const suffix = randomUUID().replaceAll('-', '');
      createdLocalSettings = !existsSync('local.settings.json');
      env = host.environment({
        ...process.env,
        PORT: '0',
        TASKS_STORAGE: azuriteConnectionString(),
        TASKS_TABLE_NAME: `e2e${suffix}`,
        TASKS_REACTIVATION_QUEUE: `requests-${suffix}`,
        TASKS_EVENTS_QUEUE: `events-${suffix}`,
        TASKS_SWEEP_QUEUE: `sweeps-${suffix}`,
        TASKS_OUTBOX_QUEUE: `checks-${suffix}`,
        TASKS_RETENTION_QUEUE: `retention-${suffix}`,
      });
      app = await startApp(env, host.startWithinMs);
      key = /func-start: default function key: (\S+)/.exec(app.output())?.[1] ?? '';
    }, host.startWithinMs + 10_000);

    afterAll(async () => {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined when the start failed
      if (app === undefined) return;
      const pid = app.child.pid!;
      const tree = [pid, ...descendantsOf(pid)];
      await pressCtrlC(app);
      // npm start copies the example settings for `func` when there are none; leave none behind.
      if (createdLocalSettings && host.checksKeys) rmSync('local.settings.json', { force: true });
      // Nothing npm start began may outlive it.
      expect(await waitUntilGone(tree, 30_000)).toEqual([]);
      if (host.stoppedCleanly !== undefined) expect(app.output()).toMatch(host.stoppedCleanly);
    }, 60_000);

    it('prints its URL and storage, and, under a host that checks keys, the key', () => {
      expect(app.output()).toMatch(/storage: table e2e\w+ at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
      if (host.checksKeys) {
        expect(key).toMatch(/^\S{20,}$/);
        expect(app.output()).toContain(`key:     ${key}`);
      } else {
        expect(app.output()).toContain('function keys are not checked');
      }
    });

    it('answers 404 JOB_NOT_FOUND on a fresh start, before anything is loaded, not 500', async () => {
      const job = await call('GET', '/jobs/job-1');
      expect([job.status, job.body.error?.code]).toEqual([404, 'JOB_NOT_FOUND']);
      const reactivation = await call('POST', '/jobs/job-1/tasks/task-failed/reactivate');
      expect([reactivation.status, reactivation.body.error?.code]).toEqual([404, 'JOB_NOT_FOUND']);
    });

    describe('with a fixture loaded by npm run seed', () => {
      beforeAll(async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'e2e-fixture-'));
        const fixture = path.join(dir, 'fixture.json');
        writeFileSync(
          fixture,
          JSON.stringify({
            jobs: [
              {
                id: 'Job-A',
                tasks: [
                  failedTask('Failed-1'),
                  failedTask('failed-2'),
                  failedTask('via-queue'),
                  failedTask('twice'),
                  { id: 'ok', state: 'completed', result: 'success' },
                  { id: 'busy', state: 'running' },
                ],
              },
              { id: 'job-done', state: 'completed', tasks: [failedTask('t')] },
              { id: 'job-race', tasks: Array.from({ length: RACE_TASKS }, (_, i) => failedTask(`r${i}`)) },
            ],
          }),
        );
        const seeded = await seed(fixture, env);
        expect(seeded.code, seeded.output).toBe(0);
      }, 60_000);

      describe('function keys', () => {
        /** Every route of the API description but itself, on a completed job (so that no call changes anything). */
        async function everyRoute(): Promise<{ method: string; route: string }[]> {
          const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
          const others = Object.entries(doc.paths).filter(([template]) => template !== '/openapi.json');
          return others.flatMap(([template, operations]) =>
            Object.keys(operations).map((method) => ({ method: method.toUpperCase(), route: template.replace('{jobId}', 'job-done').replace('{taskId}', 't') })),
          );
        }

        it('serve /openapi.json to anyone', async () => {
          const response = await fetch(`${app.url}/openapi.json`);
          expect(response.status).toBe(200);
          expect(response.headers.get('content-type')).toContain('application/json');
          const doc = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
          expect(doc.openapi).toBe('3.1.0');
          expect(Object.keys(doc.paths)).toContain('/jobs/{jobId}/tasks/{taskId}/reactivate');
        });

        it(
          host.checksKeys
            ? 'every other route answers 401 without a key, and the app with one (header or ?code=)'
            : 'are not checked: every route answers the same with a key or without (as Core Tools locally)',
          async () => {
            const routes = await everyRoute();
            expect(routes.length).toBeGreaterThanOrEqual(6);
            for (const { method, route } of routes) {
              const withKey = await call(method, route);
              expect([method, route, typeof withKey.body.success]).toEqual([method, route, 'boolean']);
              expect(withKey.status).not.toBe(401);
              const without = await call(method, route, { withKey: false });
              if (host.checksKeys) expect([method, route, without.status, without.text]).toEqual([method, route, 401, '']);
              else expect([method, route, without.status, without.body.error?.code]).toEqual([method, route, withKey.status, withKey.body.error?.code]);
            }
            if (host.checksKeys) {
              const byQuery = await call('GET', `/jobs/job-done?code=${encodeURIComponent(key)}`, { withKey: false });
              expect([byQuery.status, byQuery.body.data?.id]).toEqual([200, 'job-done']);
              const wrongKey = await call('GET', '/jobs/job-done', { withKey: false, headers: { 'x-functions-key': 'not-the-key' } });
              expect(wrongKey.status).toBe(401);
            }
          },
        );
      });

      describe('over HTTP', () => {
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

        it('answers a path no route takes, and a method a route does not take, with the host\'s empty 404', async () => {
          for (const [method, route] of [
            ['GET', '/nowhere'],
            ['DELETE', '/jobs/Job-A'],
            ['GET', '/jobs/Job-A/tasks/Failed-1/reactivate'],
          ] as const) {
            const answer = await call(method, route);
            expect([method, route, answer.status, answer.text]).toEqual([method, route, 404, '']);
          }
        });

        it('fails a request whose body is over the host\'s 100 MiB with an empty 500, before the app sees it', async () => {
          // The host answers before it has read the whole body, and may close the connection while
          // the client is still sending it: either way the app never saw the request (it would
          // have answered 400 VALIDATION_ERROR for a body over its own 16 KiB).
          const answer = await fetch(`${app.url}/jobs/job-done/terminate`, { method: 'POST', headers: keyHeader(), body: Buffer.alloc(104_857_600 + 1, 'a') }).then(
            async (response) => [response.status, await response.text()],
            (error: unknown) => [(error as { cause?: { code?: string } }).cause?.code ?? String(error)],
          );
          expect([[500, ''], ['EPIPE'], ['ECONNRESET']]).toContainEqual(answer);
          const within = await call('POST', '/jobs/job-done/terminate', { body: 'a'.repeat(20_000) });
          expect([within.status, within.body.error?.code]).toEqual([400, 'VALIDATION_ERROR']);
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

      describe('through the queue', () => {
        const enqueue = async (jobId: string, taskId: string, requestId?: string): Promise<string> => {
          const sent = await npmRun('enqueue', [jobId, taskId, ...(requestId !== undefined ? ['--request-id', requestId] : [])], env);
          expect(sent.code, sent.output).toBe(0);
          return (JSON.parse(sent.output.trim().split('\n').at(-1) ?? '{}') as { request_id: string }).request_id;
        };

        it('npm run enqueue reactivates the task, and task.reactivated lands on the events queue', async () => {
          const requestId = await enqueue('job-a', 'via-queue');
          const task = await eventually(() => call('GET', '/jobs/Job-A/tasks/via-queue'), (answer) => answer.body.data?.state === 'active');
          expect(task.body.data).toMatchObject({ state: 'active', reactivation_count: 1 });
          const published = await eventually(
            async () => decoded(await events()),
            (all) => all.some((event) => event.request_id === requestId),
          );
          expect(published).toContainEqual(
            expect.objectContaining({ type: 'task.reactivated', job_id: 'Job-A', task_id: 'via-queue', request_id: requestId, trigger: 'queue', etag: task.body.data?.etag }),
          );
        });

        it('a refusal completes the message and publishes task.reactivation_rejected with its code', async () => {
          const requestId = randomUUID();
          await enqueue('job-a', 'ok', requestId);
          const published = await eventually(
            async () => decoded(await events()),
            (all) => all.some((event) => event.request_id === requestId),
          );
          expect(published.filter((event) => event.request_id === requestId)).toEqual([
            expect.objectContaining({ type: 'task.reactivation_rejected', job_id: 'job-a', task_id: 'ok', trigger: 'queue', code: 'TASK_SUCCEEDED' }),
          ]);
          expect((await call('GET', '/jobs/Job-A/tasks/ok')).body.data).toMatchObject({ state: 'completed', result: 'success', reactivation_count: 0 });
        });

        it('a malformed message is moved to the poison queue at once, with its reason', async () => {
          const requests = new QueueClient(azuriteConnectionString(), env.TASKS_REACTIVATION_QUEUE ?? '');
          const { messageId } = await requests.sendMessage(encodeMessage({ job_id: 'Job-A', task: 'busy' }));
          const records = await eventually(
            async () => decoded(await poisoned()),
            (all) => all.some((record) => record.message_id === messageId),
          );
          expect(records.filter((record) => record.message_id === messageId)).toEqual([
            { reason: expect.stringMatching(/^Invalid message: .*task_id/) as unknown, message: { job_id: 'Job-A', task: 'busy' }, message_id: messageId, dequeue_count: 1, request_id: expect.any(String) as unknown },
          ]);
        });

        it('a message that is not base64 goes to the poison queue, moved by the host without reaching the app', async () => {
          const text = `{"job_id": "job-a", "task_id": "ok", "n": "${randomUUID()}"}`;
          await new QueueClient(azuriteConnectionString(), env.TASKS_REACTIVATION_QUEUE ?? '').sendMessage(text);
          const moved = await eventually(poisoned, (all) => all.includes(text));
          expect(moved).toContain(text);
        });

        it('a message delivered twice reactivates once, and both deliveries complete', async () => {
          const requestId = randomUUID();
          await enqueue('job-a', 'twice', requestId);
          await enqueue('job-a', 'twice', requestId);
          const requests = new QueueClient(azuriteConnectionString(), env.TASKS_REACTIVATION_QUEUE ?? '');
          // Counted with the messages being handled (invisible): 0 once both were completed.
          const left = await eventually(async () => (await requests.getProperties()).approximateMessagesCount, (count) => count === 0);
          expect(left).toBe(0);
          expect((await call('GET', '/jobs/Job-A/tasks/twice')).body.data).toMatchObject({ state: 'active', reactivation_count: 1 });
          expect((await call('GET', '/jobs/Job-A/tasks/twice/history')).body.data).toEqual([expect.objectContaining({ reactivation_number: 1, trigger: 'queue' })]);
          const published = decoded(await events()).filter((event) => event.request_id === requestId);
          expect(published.map((event) => event.type)).toEqual(['task.reactivated']);
          expect(decoded(await poisoned()).filter((record) => (record.message as { request_id?: string } | undefined)?.request_id === requestId)).toEqual([]);
        });
      });

      describe('in the background', () => {
        it('a termination too large for its call answers 202, and the sweep queue finishes it with no further call', async () => {
          const dir = mkdtempSync(path.join(tmpdir(), 'e2e-big-'));
          const fixture = path.join(dir, 'big.json');
          const ids = Array.from({ length: BIG_JOB_TASKS }, (_, i) => `b${String(i).padStart(4, '0')}`);
          writeFileSync(fixture, JSON.stringify({ jobs: [{ id: 'job-big', tasks: ids.map((id) => ({ id, state: 'running' })) }] }));
          const seeded = await seed(fixture, env);
          expect(seeded.code, seeded.output).toBe(0);

          // A second of budget covers a page or two of 1,000 rows, never five.
          const answer = await call('POST', '/jobs/job-big/terminate?timeout=1', { headers: { 'content-type': 'application/json' }, body: '{"terminate_reason":"too big"}' });
          expect(answer.status).toBe(202);
          expect(answer.body.data).toMatchObject({ state: 'terminating', termination_reason: 'too big', termination: { tasks_swept: expect.any(Number) as number } });
          expect((answer.body.data?.termination as { tasks_swept: number }).tasks_swept).toBeLessThan(BIG_JOB_TASKS);

          const done = await eventually(() => call('GET', '/jobs/job-big'), (job) => job.body.data?.state === 'completed', 180_000);
          expect(done.body.data).toMatchObject({ state: 'completed', previous_state: 'terminating', termination_reason: 'too big', termination: { tasks_swept: BIG_JOB_TASKS } });
          for (const id of [ids[0], ids[BIG_JOB_TASKS / 2], ids.at(-1)]) {
            const task = await call('GET', `/jobs/job-big/tasks/${id ?? ''}`);
            expect([id, task.body.data?.state, (task.body.data?.failure_info as { code?: string } | undefined)?.code]).toEqual([id, 'completed', 'TaskEnded']);
          }
          // Batch's format shows the same progress, for a client polling after its terminate.
          const batchJob = await fetch(`${app.url}/jobs/job-big?api-version=2024-07-01.20.0`, { headers: keyHeader() });
          expect(((await batchJob.json()) as { terminationProgress?: { tasksSwept: number } }).terminationProgress?.tasksSwept).toBe(BIG_JOB_TASKS);
          const sweeps = new QueueClient(azuriteConnectionString(), env.TASKS_SWEEP_QUEUE ?? '');
          expect(await eventually(async () => (await sweeps.getProperties()).approximateMessagesCount, (count) => count === 0)).toBe(0);
        }, 240_000);

        it("a reactivation's outbox check is withdrawn once its event is out, and its history's expiry is held on the retention queue", async () => {
          // Earlier tests may have left checks on purpose, hidden for minutes: a reactivation that
          // lost a race after sending its commit keeps its check, in case that commit landed. So
          // this one's is counted against what was there before it.
          const checks = new QueueClient(azuriteConnectionString(), env.TASKS_OUTBOX_QUEUE ?? '');
          expect(await checks.exists()).toBe(true);
          const before = (await checks.getProperties()).approximateMessagesCount ?? 0;
          const answer = await call('POST', '/jobs/Job-A/tasks/failed-2/reactivate');
          expect(answer.status).toBe(200);
          // The check was sent before the commit (that is what makes an event survive a crash) and
          // withdrawn after the answer; counted with invisible messages, nothing is left of it.
          expect(await eventually(async () => (await checks.getProperties()).approximateMessagesCount, (count) => count === before, 20_000)).toBe(before);
          // The day's expiry waits, invisible, for the retention period: present, and not receivable.
          const retention = new QueueClient(azuriteConnectionString(), env.TASKS_RETENTION_QUEUE ?? '');
          expect((await retention.getProperties()).approximateMessagesCount).toBeGreaterThanOrEqual(1);
          expect((await retention.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems).toEqual([]);
          const published = decoded(await events()).filter((event) => event.task_id === 'failed-2');
          expect(published.map((event) => [event.type, event.trigger])).toEqual([['task.reactivated', 'http']]);
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
              // The walk-through runs without a key (npm start checks none); this host wants one.
              headers: { ...step.headers, ...keyHeader() },
              ...(step.body !== undefined ? { body: step.body } : {}),
            });
            const label = `${step.method} ${step.url}`;
            expect([label, response.status]).toEqual([label, step.status]);
            expect([label, differences(step.answer, await response.json())]).toEqual([label, []]);
          }
        });
      });
    });
  });
}

import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import type { HttpRoute } from '../../src/http/httpRoute';
import { reactivateTaskHandler } from '../../src/functions/reactivateTask';
import type { MessageQueue } from '../../src/storage/messageQueue';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { answerStatus, anyRequest, isCommit, isRead, resetAfterSend, slowResponse } from '../support/faults';
import { aFailedTask, aJob } from '../support/fixtures';
import { invoke, type Call } from '../support/http';
import { HTTP_FUNCTIONS } from '../support/httpFunctions';
import { appFor, freshQueue, freshTable, tableWith, uniqueId, type TestApp } from '../support/storage';

/**
 * Storage faults seen from the caller: what status, code and Retry-After the handler answers, and
 * that a retry with the same client-request-id, over HTTP, learns the truth.
 */

let table: FixtureTable;
let tableName: string;
let events: MessageQueue;
let app: TestApp;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  events = await freshQueue('events');
  app = await appFor(table, { events });
});

async function seed(): Promise<string> {
  const jobId = uniqueId('httpfault');
  await table.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 't0', job_id: jobId })]);
  return jobId;
}

/** A call of any route, its template's placeholders filled with the seeded job and task. */
function callOf(definition: HttpRoute, jobId: string, extra: Partial<Call> & { query?: string } = {}): Call {
  const values: Record<string, string> = { jobId, taskId: 't0' };
  const params = Object.fromEntries([...definition.route.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => [name, values[name] ?? 'x']));
  const path = '/' + definition.route.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
  return { method: definition.methods[0], path: path + (extra.query ?? ''), params, ...extra };
}

const reactivate = (jobId: string, headers: Record<string, string> = {}, query = ''): Call => ({
  path: `/jobs/${jobId}/tasks/t0/reactivate${query}`,
  params: { jobId, taskId: 't0' },
  headers,
});

/** Every route that reaches storage: those that can answer SERVER_BUSY. */
const storageRoutes = HTTP_FUNCTIONS.filter(({ route }) => route.describe.errors.includes('SERVER_BUSY')).map((tested) => [tested.route.name, tested] as const);

describe.concurrent('storage faults through the HTTP handlers', () => {
  it('reaches every route that uses storage', () => {
    expect(storageRoutes.map(([name]) => name)).toEqual(expect.arrayContaining(['reactivateTask', 'getTask', 'getJob', 'terminateJob', 'getTaskHistory']));
  });

  it.each(storageRoutes)(
    '%s: storage answering 503 to everything gives 503 SERVER_BUSY with Retry-After: 1, and changes nothing',
    async (_, { route, handler }) => {
      const jobId = await seed();
      const before = { job: await table.readJob(jobId), tasks: await table.listTasks(jobId) };
      const busy = answerStatus(503, { when: anyRequest });
      const answer = await invoke(handler({ ...app, store: tableWith(tableName, busy) }), callOf(route, jobId));
      expect(busy.struck).toBeGreaterThanOrEqual(4);
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body).toEqual({ success: false, error: { code: 'SERVER_BUSY', message: expect.any(String) as string } });
      expect({ job: await table.readJob(jobId), tasks: await table.listTasks(jobId) }).toEqual(before);
    },
  );

  it.each(storageRoutes)(
    '%s: an answer storage should never give becomes 500 INTERNAL_ERROR with no internals, and the log line has the cause',
    async (_, { route, handler }) => {
      const jobId = await seed();
      // A 400 the service does not expect, whose body holds text that must not reach the caller.
      const odd = answerStatus(400, { when: anyRequest, headers: { 'x-ms-error-code': 'InvalidInput' } });
      const answer = await invoke(handler({ ...app, store: tableWith(tableName, odd) }), callOf(route, jobId));
      expect(answer.status).toBe(500);
      expect(answer.body.error?.code).toBe('INTERNAL_ERROR');
      const requestId = answer.headers.get('request-id') ?? '';
      expect(answer.body.error?.message).toBe(`An unexpected error occurred; quote request-id ${requestId} when reporting it.`);
      expect(JSON.stringify(answer.body)).not.toMatch(/Injected|odata|RestError|stack|at .*\.ts/);
      const errorLine = answer.logs.find((log) => log.level === 'error');
      expect(errorLine?.message).toContain(requestId);
      expect(errorLine?.message).toContain('Injected 400');
    },
  );

  it.each(storageRoutes)(
    "%s in Batch's format: storage failing answers 503 ServerBusy with Retry-After, an unexpected answer 500 InternalError, both as BatchError without internals",
    async (_, { route, handler }) => {
      const jobId = await seed();
      const before = { job: await table.readJob(jobId), tasks: await table.listTasks(jobId) };
      const batch = { query: '?api-version=2024-07-01.20.0' };
      const busy = await invoke(handler({ ...app, store: tableWith(tableName, answerStatus(503, { when: anyRequest })) }), callOf(route, jobId, batch));
      expect([busy.status, busy.headers.get('retry-after'), busy.headers.get('content-type'), (busy.json as { code?: string }).code]).toEqual([503, '1', 'application/json;odata=minimalmetadata', 'ServerBusy']);
      const odd = answerStatus(400, { when: anyRequest, headers: { 'x-ms-error-code': 'InvalidInput' } });
      const broken = await invoke(handler({ ...app, store: tableWith(tableName, odd) }), callOf(route, jobId, batch));
      const body = broken.json as { code?: string; values?: { key: string; value: string }[] };
      expect([broken.status, body.code]).toEqual([500, 'InternalError']);
      expect(body.values).toEqual([{ key: 'Reason', value: `An unexpected error occurred; quote request-id ${broken.headers.get('request-id') ?? ''} when reporting it.` }]);
      expect(broken.text).not.toMatch(/Injected|RestError|stack|at .*\.ts/);
      expect({ job: await table.readJob(jobId), tasks: await table.listTasks(jobId) }).toEqual(before);
    },
  );

  it('429 on every read: 503 SERVER_BUSY with Retry-After, and the retry with the same client-request-id reactivates once', async () => {
    const jobId = await seed();
    const id = randomUUID();
    const throttled = answerStatus(429, { when: isRead, headers: { 'Retry-After': '0' } });
    const first = await invoke(reactivateTaskHandler({ ...app, store: tableWith(tableName, throttled) }), reactivate(jobId, { 'client-request-id': id }));
    expect(first).toMatchObject({ status: 503, body: { error: { code: 'SERVER_BUSY' } } });
    expect(first.headers.get('retry-after')).toBe('1');
    expect(await table.listHistory(jobId, 't0')).toEqual([]);
    const retry = await invoke(reactivateTaskHandler(app), reactivate(jobId, { 'client-request-id': id }));
    expect(retry).toMatchObject({ status: 200, body: { data: { state: 'active', reactivation_count: 1 } } });
    expect(await table.listHistory(jobId, 't0')).toHaveLength(1);
  });

  it('a commit slower than ?timeout=1: 500 OPERATION_TIMED_OUT without Retry-After; the retry answers the success that landed', async () => {
    const jobId = await seed();
    const id = randomUUID();
    const slow = slowResponse(1_500, { when: isCommit });
    const first = await invoke(reactivateTaskHandler({ ...app, store: tableWith(tableName, slow) }), reactivate(jobId, { 'client-request-id': id }, '?timeout=1'));
    expect(first).toMatchObject({ status: 500, body: { success: false, error: { code: 'OPERATION_TIMED_OUT' } } });
    expect(first.headers.has('retry-after')).toBe(false);
    const retry = await invoke(reactivateTaskHandler(app), reactivate(jobId, { 'client-request-id': id }));
    const stored = await table.readTask(jobId, 't0');
    expect(retry.status).toBe(200);
    expect(retry.headers.get('etag')).toBe(stored?.etag);
    expect(stored).toMatchObject({ lastRequestId: id, task: { state: 'active', reactivation_count: 1 } });
    expect(await table.listHistory(jobId, 't0')).toHaveLength(1);
  });

  it('the commit response lost on every try: 200 with the task as stored, one history record, and the same answer again', async () => {
    const jobId = await seed();
    const id = randomUUID();
    const lost = resetAfterSend({ when: isCommit });
    const first = await invoke(reactivateTaskHandler({ ...app, store: tableWith(tableName, lost) }), reactivate(jobId, { 'client-request-id': id }));
    const stored = await table.readTask(jobId, 't0');
    expect(lost.struck).toBe(4);
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe(stored?.etag);
    expect(first.body.data).toMatchObject({ state: 'active', reactivation_count: 1, etag: stored?.etag });
    const again = await invoke(reactivateTaskHandler(app), reactivate(jobId, { 'client-request-id': id }));
    expect(again.body.data).toEqual(first.body.data);
    expect(await table.listHistory(jobId, 't0')).toHaveLength(1);
  });
});

import { randomUUID } from 'node:crypto';

import type { HttpHandler } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';

import { reactivateFailedTasksHandler } from '../../src/functions/reactivateFailedTasks';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { invoke, type Call } from '../support/http';
import { appFor, freshTable, uniqueId, type TestApp } from '../support/storage';

let table: FixtureTable;
let app: TestApp;
let handler: HttpHandler;

beforeAll(async () => {
  ({ table } = await freshTable());
  app = await appFor(table);
  handler = reactivateFailedTasksHandler(app);
});

async function seed(): Promise<string> {
  const jobId = uniqueId('Bulk');
  await table.loadJob(aJob({ id: jobId }), [
    aFailedTask({ id: 'a', job_id: jobId }),
    aFailedTask({ id: 'b', job_id: jobId, exit_code: 7, failure_info: { category: 'usererror', code: 'OutOfMemory', message: null } }),
    aRunningTask({ id: 'c', job_id: jobId }),
  ]);
  return jobId;
}

function call(jobId: string, body?: unknown, extra: Partial<Call> & { query?: string } = {}): Call {
  return {
    path: `/jobs/${jobId}/reactivate-failed-tasks${extra.query ?? ''}`,
    params: { jobId },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    ...extra,
  };
}

describe('POST /jobs/{jobId}/reactivate-failed-tasks', () => {
  it('answers 200 with matched, reactivated, skipped and continuation, with an empty body', async () => {
    const jobId = await seed();
    const answer = await invoke(handler, call(jobId));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, data: { job_id: jobId, dry_run: false, matched: 2, reactivated: ['a', 'b'], skipped: [], continuation: null } });
    expect(JSON.parse(answer.logs.find((l) => l.message.includes('"event":"request"'))?.message ?? '{}')).toMatchObject({
      route: 'reactivateFailedTasks',
      status: 200,
      outcome: 'OK',
      jobId,
    });
  });

  it('takes a body of 1,000 task ids of 64 characters, more than the 16 KiB the other routes take', async () => {
    const jobId = await seed();
    const ids = Array.from({ length: 1_000 }, (_, n) => String(n).padStart(4, '0').padEnd(64, 'x'));
    const body = JSON.stringify({ task_ids: ['A', ...ids.slice(1)], dry_run: true });
    expect(Buffer.byteLength(body)).toBeGreaterThan(64 * 1024);
    const answer = await invoke(handler, call(jobId, body));
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ dry_run: true, reactivated: ['a'] });
    expect((answer.body.data as { skipped: unknown[] }).skipped).toHaveLength(999);
  });

  it('a repeated client-request-id answers the same result; another body with it is refused', async () => {
    const jobId = await seed();
    const id = randomUUID();
    const headers = { 'client-request-id': id, 'return-client-request-id': 'true' };
    const first = await invoke(handler, call(jobId, { failure_codes: ['OutOfMemory'] }, { headers }));
    const again = await invoke(handler, call(jobId, { failure_codes: ['OutOfMemory'] }, { headers }));
    expect(first.body.data).toMatchObject({ reactivated: ['b'] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('client-request-id')).toBe(id);
    const other = await invoke(handler, call(jobId, { failure_codes: ['Other'] }, { headers }));
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'client-request-id' }] });
  });

  it('pages with max_tasks and continuation', async () => {
    const jobId = await seed();
    const first = await invoke(handler, call(jobId, { max_tasks: 1 }));
    const { continuation } = first.body.data as { continuation: string };
    expect(first.body.data).toMatchObject({ reactivated: ['a'] });
    const second = await invoke(handler, call(jobId, { max_tasks: 1, continuation }));
    expect(second.body.data).toMatchObject({ reactivated: ['b'], continuation: null });
  });

  it.each([
    ['JOB_NOT_FOUND', 404, 'active', false],
    ['JOB_COMPLETED', 409, 'completed', true],
  ])('%s answers %i', async (code, status, state, exists) => {
    const jobId = uniqueId('gone');
    if (exists) await table.loadJob(aJob({ id: jobId, state: state as 'completed' }), [aFailedTask({ id: 'a', job_id: jobId })]);
    const answer = await invoke(handler, call(jobId));
    expect(answer).toMatchObject({ status, body: { success: false, error: { code } } });
  });

  const tooLong = JSON.stringify({ task_ids: Array.from({ length: 2_100 }, (_, n) => `t${n}`.padEnd(64, 'y')) });
  it.each([
    ['a task id that is not an id', 'body.task_ids.1', { task_ids: ['ok', 'no/slash'] }],
    ['more than 1,000 task ids', 'body.task_ids', { task_ids: Array.from({ length: 1_001 }, (_, n) => `t${n}`) }],
    ['an empty filter list', 'body.failure_codes', { failure_codes: [] }],
    ['an exit code that is not an integer', 'body.exit_codes.0', { exit_codes: [1.5] }],
    ['max_tasks above 10,000', 'body.max_tasks', { max_tasks: 10_001 }],
    ['max_tasks of 0', 'body.max_tasks', { max_tasks: 0 }],
    ['dry_run as a string', 'body.dry_run', { dry_run: 'yes' }],
    ['an unknown field', 'body.filter', { filter: 'failed' }],
    ['a continuation that was not issued', 'body.continuation', { continuation: 'bm90LWEtdG9rZW4' }],
    ['a body that is not an object', 'body', '[1]'],
    ['a body over 128 KiB', 'body', tooLong],
  ])('refuses %s with 400 naming %s, and changes nothing', async (_, field, body) => {
    const jobId = await seed();
    const before = await table.listTasks(jobId);
    const answer = await invoke(handler, call(jobId, body));
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('VALIDATION_ERROR');
    expect(answer.body.error?.details?.map((d) => d.field)).toContain(field);
    expect(await table.listTasks(jobId)).toEqual(before);
  });

  it.each([
    ['a bad timeout', 'timeout', { query: '?timeout=0' }],
    ['a client-request-id that is not a UUID', 'client-request-id', { headers: { 'client-request-id': 'nope' } }],
    ['a conditional header, which means nothing for many tasks', 'If-Match', { headers: { 'If-Match': '*' } }],
    ['a bad job id', 'jobId', { params: { jobId: 'a'.repeat(65) } }],
  ])('refuses %s with 400 naming %s', async (_, field, extra) => {
    const jobId = await seed();
    const answer = await invoke(handler, call(jobId, undefined, extra));
    expect(answer.status).toBe(400);
    expect(answer.body.error?.details?.map((d) => d.field)).toContain(field);
    expect((await table.listTasks(jobId)).filter((t) => t.task.state === 'active')).toEqual([]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';

import { getJobHandler } from '../../src/functions/getJob';
import { getTaskHandler } from '../../src/functions/getTask';
import { terminateJobHandler } from '../../src/functions/terminateJob';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask, T0, T1 } from '../support/fixtures';
import { invoke, type Answer } from '../support/http';
import { appFor, freshTable, uniqueId, type TestApp } from '../support/storage';

/**
 * Conditional headers on GET task, GET job and terminate, in both wire formats, against the real
 * rows: a read answers 304 when the caller's copy is current and 412 when its precondition fails; a
 * write refuses every unmet condition with 412 and changes nothing.
 */

let table: FixtureTable;
let app: TestApp;

beforeAll(async () => {
  ({ table } = await freshTable());
  app = await appFor(table);
});

async function seed(): Promise<string> {
  const jobId = uniqueId('cond');
  await table.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 't', job_id: jobId }), aRunningTask({ id: 'run', job_id: jobId })]);
  return jobId;
}

const http = (iso: string) => new Date(iso).toUTCString();
/** Header sets to try one after another. */
const each = (...headers: Record<string, string>[]) => headers;
const SECOND_BEFORE = (iso: string) => new Date(Date.parse(iso) - 1000).toUTCString();

/** The two formats: the query that selects each, and the code each names a failed precondition by. */
const DIALECTS = [
  ['envelope', '', (answer: Answer) => answer.body.error?.code, 'CONDITION_NOT_MET'],
  ['batch', '?api-version=2024-07-01.20.0', (answer: Answer) => (answer.json as { code?: string } | undefined)?.code, 'ConditionNotMet'],
] as const;

describe.each(DIALECTS)('conditional reads, %s format', (dialect, query, codeOf, notMet) => {
  const getTask = (jobId: string, headers: Record<string, string>) => invoke(getTaskHandler(app), { method: 'GET', path: `/jobs/${jobId}/tasks/t${query}`, params: { jobId, taskId: 't' }, headers });
  const getJob = (jobId: string, headers: Record<string, string>) => invoke(getJobHandler(app), { method: 'GET', path: `/jobs/${jobId}${query}`, params: { jobId }, headers });

  it('GET task: 304 without a body, but with ETag and Last-Modified, when If-None-Match names the current ETag or nothing changed since If-Modified-Since', async () => {
    const jobId = await seed();
    const etag = (await table.readTask(jobId, 't'))?.etag ?? '';
    for (const headers of each({ 'If-None-Match': etag }, { 'If-None-Match': '*' }, { 'If-Modified-Since': http(T1) }, { 'If-None-Match': etag, 'If-Modified-Since': SECOND_BEFORE(T1) })) {
      const answer = await getTask(jobId, headers);
      expect([JSON.stringify(headers), answer.status, answer.text]).toEqual([JSON.stringify(headers), 304, '']);
      expect(answer.headers.get('etag')).toBe(etag);
      expect(answer.headers.get('last-modified')).toBe(http(T1));
      expect(answer.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.logs.map((log) => log.message).join('\n')).toContain('"outcome":"NOT_MODIFIED"');
    }
  });

  it('GET task: 200 when the copy is stale or the precondition holds', async () => {
    const jobId = await seed();
    const etag = (await table.readTask(jobId, 't'))?.etag ?? '';
    for (const headers of each({ 'If-None-Match': 'W/"older"' }, { 'If-Modified-Since': SECOND_BEFORE(T1) }, { 'If-Match': etag }, { 'If-Match': '*' }, { 'If-Unmodified-Since': http(T1) })) {
      const answer = await getTask(jobId, headers);
      expect([JSON.stringify(headers), answer.status]).toEqual([JSON.stringify(headers), 200]);
      expect(answer.headers.get('etag')).toBe(etag);
    }
  });

  it(`GET task: 412 ${notMet} when If-Match names another ETag or the task changed after If-Unmodified-Since`, async () => {
    const jobId = await seed();
    for (const headers of each({ 'If-Match': 'W/"stale"' }, { 'If-Unmodified-Since': SECOND_BEFORE(T1) }, { 'If-Match': 'W/"stale"', 'If-Unmodified-Since': http(T1) })) {
      const answer = await getTask(jobId, headers);
      expect([JSON.stringify(headers), answer.status, codeOf(answer)]).toEqual([JSON.stringify(headers), 412, notMet]);
    }
  });

  it('GET task: existence comes first, a condition on a missing task is 404', async () => {
    const jobId = await seed();
    const answer = await invoke(getTaskHandler(app), { method: 'GET', path: `/jobs/${jobId}/tasks/none${query}`, params: { jobId, taskId: 'none' }, headers: { 'If-None-Match': '*' } });
    expect(answer.status).toBe(404);
  });

  it('GET job: 304, 200 and 412 by the same rules, against the job row', async () => {
    const jobId = await seed();
    const etag = (await table.readJob(jobId))?.etag ?? '';
    const notModified = await getJob(jobId, { 'If-None-Match': etag });
    expect([notModified.status, notModified.text, notModified.headers.get('etag'), notModified.headers.get('last-modified')]).toEqual([304, '', etag, http(T0)]);
    expect((await getJob(jobId, { 'If-Modified-Since': http(T0) })).status).toBe(304);
    expect((await getJob(jobId, { 'If-Modified-Since': SECOND_BEFORE(T0) })).status).toBe(200);
    expect((await getJob(jobId, { 'If-Match': etag })).status).toBe(200);
    const stale = await getJob(jobId, { 'If-Match': 'W/"stale"' });
    expect([stale.status, codeOf(stale)]).toEqual([412, notMet]);
    const unmodified = await getJob(jobId, { 'If-Unmodified-Since': SECOND_BEFORE(T0) });
    expect([unmodified.status, codeOf(unmodified)]).toEqual([412, notMet]);
  });

  it('GET job and task: at most one condition, except the two pairs, as on the reactivation', async () => {
    const jobId = await seed();
    const answer = await getJob(jobId, { 'If-Match': '*', 'If-None-Match': '*' });
    expect(answer.status).toBe(400);
    expect(dialect === 'envelope' ? answer.body.error?.details?.[0]?.field : codeOf(answer)).toBe(dialect === 'envelope' ? 'conditional headers' : 'MultipleConditionHeadersNotSupported');
    const bad = await getTask(jobId, { 'If-Modified-Since': 'yesterday' });
    expect(bad.status).toBe(400);
  });
});

describe.each(DIALECTS)('conditional terminate, %s format', (_, query, codeOf, notMet) => {
  const terminate = (jobId: string, headers: Record<string, string>) => invoke(terminateJobHandler(app), { path: `/jobs/${jobId}/terminate${query}`, params: { jobId }, headers });
  const rowsOf = async (jobId: string) => ({ job: await table.readJob(jobId), tasks: await table.listTasks(jobId) });

  it(`refuses 412 ${notMet} to every unmet condition and changes nothing: not the job row, not a task`, async () => {
    const jobId = await seed();
    const before = await rowsOf(jobId);
    for (const headers of each(
      { 'If-Match': 'W/"stale"' },
      { 'If-None-Match': before.job?.etag ?? '' },
      { 'If-None-Match': '*' },
      { 'If-Unmodified-Since': SECOND_BEFORE(T0) },
      { 'If-Modified-Since': http(T0) },
    )) {
      const answer = await terminate(jobId, headers);
      expect([JSON.stringify(headers), answer.status, codeOf(answer)]).toEqual([JSON.stringify(headers), 412, notMet]);
    }
    expect(await rowsOf(jobId)).toEqual(before);
  });

  it('terminates under a condition that holds: If-Match the ETag GET job gave', async () => {
    const jobId = await seed();
    const etag = (await table.readJob(jobId))?.etag ?? '';
    const answer = await terminate(jobId, { 'If-Match': etag, 'If-Unmodified-Since': SECOND_BEFORE(T0) });
    expect(answer.status).toBeLessThan(300);
    const after = await rowsOf(jobId);
    expect(after.job?.job.state).toBe('completed');
    expect(after.tasks.find((t) => t.task.id === 'run')?.task).toMatchObject({ state: 'completed', failure_info: { code: 'TaskEnded' } });
    // Once done, the old ETag is stale: the precondition is checked before the job's state.
    const again = await terminate(jobId, { 'If-Match': etag });
    expect([again.status, codeOf(again)]).toEqual([412, notMet]);
  });
});

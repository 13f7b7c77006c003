import { randomUUID } from 'node:crypto';

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { ERROR_CODES, type ErrorCode } from '../../src/http/errorCodes';
import { HTTP_FUNCTIONS } from '../../src/routes';
import type { HttpFunctionDefinition } from '../../src/routes/definition';
import { createTableClient } from '../../src/storage/tableClient';
import { TaskTable } from '../../src/storage/taskTable';
import { aFailedTask, aJob, aRunningTask } from '../support/fixtures';
import { invoke, type Answer } from '../support/http';
import { azuriteConnectionString, freshQueue, routeDependencies } from '../support/storage';

/**
 * Hostile input over HTTP, through every route's handler with real HttpRequest/InvocationContext
 * objects. Every answer is a contract envelope, never a 500; after any 4xx the table is byte for byte
 * what it was, ETags and timestamps included.
 */

const ACTIVE_JOB = 'Hostile-Active';
const COMPLETED_JOB = 'Hostile-Done';
const TASK = 'Task-7';
const RUNS = 120;

let table: TaskTable;
let snapshotRows: () => Promise<string>;
let pristine: string;

beforeAll(async () => {
  const tableName = `hostile${randomUUID().replaceAll('-', '')}`;
  const client = createTableClient({ kind: 'connectionString', connectionString: azuriteConnectionString() }, tableName);
  table = new TaskTable(client);
  await table.ensureExists();
  await table.loadJob(aJob({ id: ACTIVE_JOB }), [aFailedTask({ id: TASK, job_id: ACTIVE_JOB }), aRunningTask({ id: 'busy', job_id: ACTIVE_JOB })]);
  await table.loadJob(aJob({ id: COMPLETED_JOB, state: 'completed', termination_reason: 'UserTerminate' }), [aFailedTask({ id: TASK, job_id: COMPLETED_JOB })]);
  snapshotRows = async () => {
    const rows: unknown[] = [];
    for await (const row of client.listEntities()) rows.push(row);
    return JSON.stringify(rows);
  };
  pristine = await snapshotRows();
});

// ---- what a request is made of ------------------------------------------------------------------

interface HostileRequest {
  params: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

const validId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const seededId = (id: string) => fc.constantFrom(id, id.toLowerCase(), id.toUpperCase());

/** Ids that break a rule by construction: empty, too long, or holding a character ids may not have. */
const FORBIDDEN = ['/', '#', '?', '%2F', '\\', ' ', '.', "'", '"', 'é', '\u212a', '日本', '😀', '\u0000', '\u200b', '\n', '..', '%00', '*', '|', '}', '$', ':'];
const badId = fc.oneof(
  fc.constant(''),
  fc.stringMatching(/^[A-Za-z0-9_-]{65,90}$/),
  fc
    .tuple(validId, fc.constantFrom(...FORBIDDEN), validId)
    .map(([a, bad, b]) => `${a}${bad}${b}`),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s)),
);

/** A header value a host can deliver: bytes 0x20-0xFF, no CR, LF or NUL. */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 80 });

const badTimeout = fc.constantFrom('0', '-1', '1.5', 'abc', '', '1e3', '+5', ' 5', '٣', '0x10', 'NaN', 'Infinity', '30s', '%31');
const badUuid = fc.oneof(
  fc.uuid().map((u) => `{${u}}`),
  fc.uuid().map((u) => u.replaceAll('-', '')),
  fc.uuid().map((u) => `${u.slice(0, -1)}g`),
  headerValue.filter((v) => !/^\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*$/i.test(v)),
);
const badDate = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toUTCString().replace('GMT', 'UTC')),
  fc.date({ noInvalidDate: true }).map((d) => d.toUTCString().toLowerCase()),
  // Not the RFC 850 and asctime forms: RFC 9110 has recipients accept those, and so does the app.
  fc.constantFrom('Sun, 31 Feb 2025 00:00:00 GMT', 'Sunday, 06-Nov-94 25:49:37 GMT', 'Sun Nov 31 08:49:37 1994', '0', 'now', 'Mon, 06 Nov 1994 25:00:00 GMT'),
);
const badEtag = fc.constantFrom('', 'W/"a b"', 'é', 'x'.repeat(300), '"\u00ff"');
const goodEtag = fc.constantFrom('*', 'W/"stale"', '"x"');
const goodDate = fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toUTCString());

const deepJson = fc.integer({ min: 500, max: 7_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const hugeBody = fc.integer({ min: 16 * 1024 + 1, max: 40 * 1024 }).map((size) => JSON.stringify({ pad: 'x'.repeat(size) }));
const badBody = fc.oneof(
  hugeBody,
  deepJson,
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Uint8Array.from([0xff, 0xfe, ...bytes])),
  fc.constantFrom('[]', 'null', '"text"', '42', 'true', '{', '{"a":', '{"a":1}}', "{'a':1}", 'NaN', '\u0000'),
  fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v)),
);
/** Bodies the termination refuses: unknown fields, a reason that is not a string of 1-1024 characters. */
const badTerminateBody = fc.oneof(
  badBody,
  fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== 'terminate_reason'), fc.jsonValue(), { minKeys: 1 }).map((o) => JSON.stringify(o)),
  fc.oneof(fc.constant(''), fc.constant('   '), fc.constant('x'.repeat(1025)), fc.integer(), fc.constant(null), fc.array(fc.string())).map((reason) => JSON.stringify({ terminate_reason: reason })),
);

type Mutation = (request: HostileRequest) => void;

/** Breaks of the request that a route validates, by construction each one a 400. */
function mutationsFor(definition: HttpFunctionDefinition): fc.Arbitrary<Mutation>[] {
  const placeholders = [...definition.route.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => name);
  const mutations: fc.Arbitrary<Mutation>[] = [
    fc.tuple(fc.constantFrom(...placeholders), badId).map(([name, id]) => (r) => void (r.params[name] = id)),
    fc.tuple(fc.constantFrom('timeout', 'timeOut', 'TIMEOUT'), badTimeout).map(([name, value]) => (r) => void r.query.push([name, value])),
    fc.constant((r: HostileRequest) => void r.query.push(['timeout', '5'], ['timeOut', '5'])),
  ];
  if (definition.name === 'reactivateTask') {
    mutations.push(
      badUuid.map((value) => (r) => void (r.headers['client-request-id'] = value)),
      fc.constantFrom('yes', '1', 'no', 'on', 'ture').map((value) => (r) => void (r.headers['return-client-request-id'] = value)),
      badDate.chain((value) => fc.constantFrom('if-modified-since', 'if-unmodified-since').map((name) => (r: HostileRequest) => void (r.headers[name] = value))),
      badEtag.chain((value) => fc.constantFrom('if-match', 'if-none-match').map((name) => (r: HostileRequest) => void (r.headers[name] = value))),
      // Combinations HTTP does not allow: two ETag headers, or an ETag header with the other date.
      fc
        .constantFrom(['if-match', 'if-none-match'], ['if-match', 'if-modified-since'], ['if-none-match', 'if-unmodified-since'], ['if-modified-since', 'if-unmodified-since'])
        .chain((names) => fc.tuple(goodEtag, goodDate).map(([etag, date]) => (r: HostileRequest) => {
          for (const name of names) r.headers[name] = name.includes('match') ? etag : date;
        })),
      fc.constant((r: HostileRequest) => {
        r.headers['if-match'] = '*';
        r.headers['if-unmodified-since'] = 'Sun, 06 Nov 1994 08:49:37 GMT';
        r.headers['if-modified-since'] = 'Sun, 06 Nov 1994 08:49:37 GMT';
      }),
      badBody.map((body) => (r) => void (r.body = body)),
      fc.constant((r: HostileRequest) => void (r.headers['content-length'] = String(1024 * 1024))),
    );
  }
  if (definition.name === 'terminateJob') mutations.push(badTerminateBody.map((body) => (r) => void (r.body = body)));
  return mutations;
}

/** A request to the active job that would succeed, with one or more breaks applied. */
function brokenRequest(definition: HttpFunctionDefinition): fc.Arbitrary<HostileRequest> {
  return fc.array(fc.oneof(...mutationsFor(definition)), { minLength: 1, maxLength: 4 }).map((mutations) => {
    const request: HostileRequest = { params: paramsFor(definition, ACTIVE_JOB), query: [], headers: {} };
    for (const mutate of mutations) mutate(request);
    return request;
  });
}

function paramsFor(definition: HttpFunctionDefinition, jobId: string): Record<string, string> {
  const values: Record<string, string> = { jobId, taskId: TASK };
  return Object.fromEntries([...definition.route.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => [name, values[name] ?? TASK]));
}

async function send(definition: HttpFunctionDefinition, request: HostileRequest): Promise<Answer> {
  const method = definition.methods[0] ?? 'GET';
  const path = '/' + definition.route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(request.params[name] ?? ''));
  const query = request.query.length > 0 ? `?${new URLSearchParams(request.query).toString()}` : '';
  return invoke(handlers.get(definition.name)!, {
    method,
    path: path + query,
    params: request.params,
    headers: request.headers,
    // The host drops bodies of GET requests; so do we.
    ...(method === 'GET' ? {} : { body: request.body }),
  });
}

const handlers = new Map<string, ReturnType<HttpFunctionDefinition['makeHandler']>>();
beforeAll(async () => {
  const deps = routeDependencies(table, await freshQueue('events'));
  for (const definition of HTTP_FUNCTIONS) handlers.set(definition.name, definition.makeHandler(deps));
});

/** The contract's error envelope, with a status that matches its code and a fresh request id. */
function expectErrorEnvelope(answer: Answer): void {
  expect(answer.headers.get('request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(answer.body).sort()).toEqual(['error', 'success']);
  expect(answer.body.success).toBe(false);
  const error = answer.body.error!;
  expect(Object.keys(error).filter((key) => !['code', 'message', 'details'].includes(key))).toEqual([]);
  expect(Object.keys(ERROR_CODES)).toContain(error.code);
  expect(answer.status).toBe(ERROR_CODES[error.code as ErrorCode].status);
  expect(error.message.length).toBeGreaterThan(0);
  for (const detail of error.details ?? []) expect(detail).toEqual({ field: expect.any(String) as string, message: expect.any(String) as string });
}

const routes = HTTP_FUNCTIONS.map((definition) => [definition.name, definition] as const);
/** Routes that validate what they are sent (every route but the OpenAPI document, which takes nothing). */
const validating = routes.filter(([, definition]) => definition.describe.errors.includes('VALIDATION_ERROR'));

describe('hostile input over HTTP', () => {
  it.each(validating)('%s: every character ids may not hold, at the start, middle and end of every id, answers 400', async (_, definition) => {
    const placeholders = Object.keys(paramsFor(definition, ACTIVE_JOB));
    const tried: string[] = [];
    for (const name of placeholders) {
      const ids = ['', 'a'.repeat(65), ...FORBIDDEN.flatMap((bad) => [bad, `${bad}${TASK}`, `x${bad}y`, `${ACTIVE_JOB}${bad}`])];
      for (const id of ids) {
        const answer = await send(definition, { params: { ...paramsFor(definition, ACTIVE_JOB), [name]: id }, query: [], headers: {} });
        if (answer.status !== 400) tried.push(`${name}=${JSON.stringify(id)} answered ${answer.status}`);
      }
    }
    expect(tried).toEqual([]);
    expect(await snapshotRows()).toBe(pristine);
  });

  it.each(validating)('%s: a request broken in one to four ways answers 400 VALIDATION_ERROR and changes nothing', async (_, definition) => {
    await fc.assert(
      fc.asyncProperty(brokenRequest(definition), async (request) => {
        const answer = await send(definition, request);
        expectErrorEnvelope(answer);
        expect(answer.body.error?.code).toBe('VALIDATION_ERROR');
        expect(answer.body.error?.details?.length).toBeGreaterThan(0);
        expect(await snapshotRows()).toBe(pristine);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(routes)('%s: anything at all (ids, query, headers, body) never answers a 5xx, and leaves the table as it was', async (_, definition) => {
    const anyRequest = fc.record({
      params: fc.record({ jobId: fc.oneof(seededId(COMPLETED_JOB), validId, badId), taskId: fc.oneof(seededId(TASK), fc.constant('busy'), validId, badId) }),
      query: fc.array(fc.tuple(fc.oneof(fc.constantFrom('timeout', 'timeOut', 'code'), fc.string()), fc.oneof(fc.constantFrom('1', '30', '31', '99999'), fc.string())), { maxLength: 3 }),
      headers: fc.dictionary(
        fc.oneof(fc.constantFrom('client-request-id', 'return-client-request-id', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'content-type'), fc.stringMatching(/^x-[a-z]{1,10}$/)),
        fc.oneof(headerValue, fc.uuid(), goodDate, goodEtag),
        { maxKeys: 5 },
      ),
      body: fc.option(fc.oneof(badBody, fc.json(), fc.constant('{}')), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(anyRequest, async (request) => {
        const answer = await send(definition, { ...request, params: Object.fromEntries(Object.entries(request.params)) });
        expect(answer.status).toBeLessThan(500);
        if (answer.status >= 400) expectErrorEnvelope(answer);
        // The OpenAPI document is served as is, not in the envelope.
        else if (definition.describe.errors.includes('VALIDATION_ERROR')) expect(answer.body.success).toBe(true);
        else expect(answer.status).toBe(200);
        // Only the completed job is addressed: no write may succeed, so nothing may change.
        expect(await snapshotRows()).toBe(pristine);
      }),
      { numRuns: RUNS },
    );
  });

  it('every combination of the conditional headers, valid or not, on a refused reactivation: a 4xx and nothing written', async () => {
    const handler = handlers.get('reactivateTask')!;
    const current = await table.readTask(ACTIVE_JOB, 'busy');
    const etag = fc.oneof(fc.constant(current?.etag ?? ''), goodEtag, badEtag);
    const date = fc.oneof(goodDate, badDate);
    const conditions = fc.record(
      { 'if-match': etag, 'if-none-match': etag, 'if-modified-since': date, 'if-unmodified-since': date },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(conditions, fc.constantFrom(ACTIVE_JOB, COMPLETED_JOB), async (headers, jobId) => {
        // The failed task of the active job would be reactivated: the running one is addressed there.
        const task = jobId === ACTIVE_JOB ? 'busy' : TASK;
        const answer = await invoke(handler, { path: `/jobs/${jobId}/tasks/${task}/reactivate`, params: { jobId, taskId: task }, headers });
        expectErrorEnvelope(answer);
        expect(['VALIDATION_ERROR', 'CONDITION_NOT_MET', 'JOB_COMPLETED', 'TASK_NOT_COMPLETED']).toContain(answer.body.error?.code);
        expect(await snapshotRows()).toBe(pristine);
      }),
      { numRuns: 250 },
    );
  });
});

import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { BatchServiceClient } from '@azure/batch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FixtureTable } from '../../src/storage/fixtureLoader';
import { createTableClient } from '../../src/storage/tableClient';
import { functionKeyCredentials, policyName, quickRetries, type PolicyFactory } from '../http/batch/batchSdk';
import { aJob } from '../support/fixtures';
import { azuriteConnectionString } from '../support/storage';
import { descendantsOf, pressCtrlC, seed, startApp, waitUntilGone, type StartedApp } from './startedApp';

/**
 * The official Azure Batch SDK (`@azure/batch` 10.x, BatchServiceClient) against the app started
 * by `npm start`, over real HTTP, unchanged but for where it points and the function key it sends.
 * Lost answers are injected in the SDK's own request pipeline, never in the app.
 */

type ClientOptions = NonNullable<ConstructorParameters<typeof BatchServiceClient>[2]>;

const FUNCTION_KEY = 'e2e-function-key';
let app: StartedApp;
let env: NodeJS.ProcessEnv;
/** Every request the SDK put on the wire, as its last policy saw it. */
const sent: { method: string; url: string; headers: Record<string, string> }[] = [];

/** The last policy of a pipeline: records the request exactly as it leaves for the app. */
const recordWire: PolicyFactory = {
  create: (next) => ({
    sendRequest: (request) => {
      sent.push({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers.headersArray().map((h) => [h.name.toLowerCase(), h.value])) });
      return next.sendRequest(request);
    },
  }),
};

/** A client as a user of the app builds one: the app's URL, credentials that add the function key. */
function client(options: ClientOptions = {}): BatchServiceClient {
  const { requestPolicyFactories, ...rest } = options;
  return new BatchServiceClient(functionKeyCredentials(FUNCTION_KEY), app.url, {
    noRetryPolicy: true,
    ...rest,
    requestPolicyFactories: (defaults) => {
      const chosen = typeof requestPolicyFactories === 'function' ? (requestPolicyFactories(defaults) ?? defaults) : defaults;
      return [...chosen, recordWire];
    },
  });
}

/**
 * A policy that lets the request reach the app and, the first time only, throws away the answer
 * as a reset connection does: the app has done the work, the caller never hears of it.
 */
function loseFirstAnswer(): PolicyFactory & { tries: string[][] } {
  const tries: string[][] = [];
  return {
    tries,
    create: (next) => ({
      sendRequest: async (request) => {
        const response = await next.sendRequest(request);
        tries.push([request.headers.get('client-request-id') ?? '', request.headers.get('x-ms-client-request-id') ?? '', String(response.status)]);
        if (tries.length === 1) throw Object.assign(new Error('socket hang up (injected: the answer was lost)'), { code: 'ECONNRESET' });
        return response;
      },
    }),
  };
}

/** Puts `policy` just below the SDK's retry policies, so that they see the loss and retry. */
function belowRetries(policy: PolicyFactory): (defaults: PolicyFactory[]) => PolicyFactory[] {
  return (defaults) => {
    const quick = quickRetries(defaults);
    const at = quick.findIndex((factory) => policyName(factory) === 'DeserializationPolicy');
    return [...quick.slice(0, at), policy, ...quick.slice(at)];
  };
}

/** ms-rest-js does not set `name` on its RestError; its class says what it is. */
function classOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? error.constructor.name : undefined;
}

function failedTask(id: string): Record<string, unknown> {
  return { id, state: 'completed', result: 'failure', exit_code: 2, retry_count: 1, max_retry_count: 1 };
}

async function history(jobId: string, taskId: string): Promise<{ client_request_id: string | null }[]> {
  const response = await fetch(`${app.url}/jobs/${jobId}/tasks/${taskId}/history`);
  return ((await response.json()) as { data: { client_request_id: string | null }[] }).data;
}

beforeAll(async () => {
  const suffix = randomUUID().replaceAll('-', '');
  env = { ...process.env, PORT: '0', TASKS_STORAGE: azuriteConnectionString(), TASKS_TABLE_NAME: `sdk${suffix}`, TASKS_REACTIVATION_QUEUE: `requests-${suffix}`, TASKS_EVENTS_QUEUE: `events-${suffix}` };
  app = await startApp(env);
  const fixture = path.join(mkdtempSync(path.join(tmpdir(), 'sdk-fixture-')), 'fixture.json');
  writeFileSync(
    fixture,
    JSON.stringify({
      jobs: [
        { id: 'sdk-job', tasks: [failedTask('failed-1'), failedTask('lost-1'), failedTask('lost-2'), failedTask('lost-3'), { id: 'busy', state: 'running' }, { id: 'ok', state: 'completed', result: 'success' }] },
        { id: 'sdk-ending', tasks: [{ id: 'running', state: 'running' }, failedTask('failed')] },
        { id: 'sdk-guarded', tasks: [{ id: 'running', state: 'running' }] },
      ],
    }),
  );
  const seeded = await seed(fixture, env);
  expect(seeded.code, seeded.output).toBe(0);
}, 180_000);

afterAll(async () => {
  const pid = app.child.pid!;
  const tree = [pid, ...descendantsOf(pid)];
  await pressCtrlC(app);
  expect(await waitUntilGone(tree)).toEqual([]);
});

describe('BatchServiceClient against npm start', () => {
  it('task.reactivate resolves, and task.get shows the task active with executionInfo.retryCount 0', async () => {
    const batch = client();
    const before = await batch.task.get('sdk-job', 'failed-1');
    expect(before).toMatchObject({ id: 'failed-1', state: 'completed', executionInfo: { exitCode: 2, result: 'failure', retryCount: 1 } });
    const reactivated = await batch.task.reactivate('sdk-job', 'failed-1');
    expect(reactivated.dataServiceId).toBe(`${app.url}/jobs/sdk-job/tasks/failed-1/reactivate`);
    const after = await batch.task.get('sdk-job', 'failed-1');
    expect(after).toMatchObject({ id: 'failed-1', state: 'active', previousState: 'completed', eTag: reactivated.eTag, executionInfo: { retryCount: 0, requeueCount: 0 } });
    expect(after.executionInfo?.exitCode).toBeUndefined();
    expect(after.stateTransitionTime).toBeInstanceOf(Date);
  });

  it("rejects a refusal with a RestError carrying Batch's code, status and BatchError body", async () => {
    const batch = client();
    const cases: [() => Promise<unknown>, number, string][] = [
      [() => batch.task.reactivate('sdk-job', 'busy'), 409, 'TaskNotCompleted'],
      [() => batch.task.reactivate('sdk-job', 'ok'), 409, 'TaskSucceeded'],
      [() => batch.task.reactivate('sdk-job', 'failed-1'), 409, 'TaskNotCompleted'],
      [() => batch.task.get('sdk-job', 'nope'), 404, 'TaskNotFound'],
      [() => batch.job.get('no-such-job'), 404, 'JobNotFound'],
    ];
    for (const [call, statusCode, code] of cases) {
      const error = (await call().then(() => null, (e: unknown) => e)) as { statusCode?: number; code?: string } | null;
      expect([classOf(error), error?.statusCode, error?.code]).toEqual(['RestError', statusCode, code]);
    }
    const refused = (await batch.task.reactivate('sdk-job', 'busy').catch((e: unknown) => e)) as { body: { values: { key: string; value: string }[] } };
    expect(refused.body.values).toEqual([{ key: 'Reason', value: 'The task is running; only a completed task can be reactivated.' }]);
  });

  it('job.terminate({ terminateReason }) resolves, and job.get shows the job terminating or completed', async () => {
    const batch = client();
    await expect(batch.job.terminate('sdk-ending', { terminateReason: 'Budget exhausted' })).resolves.toMatchObject({ dataServiceId: `${app.url}/jobs/sdk-ending/terminate` });
    const job = await batch.job.get('sdk-ending');
    expect(['terminating', 'completed']).toContain(job.state);
    if (job.state === 'completed') expect(job.executionInfo?.terminateReason).toBe('Budget exhausted');
    // This app ends the tasks still running (Batch would leave them to its nodes): see docs/batch-wire-format.md.
    await expect(batch.task.get('sdk-ending', 'running')).resolves.toMatchObject({ state: 'completed', executionInfo: { failureInfo: { code: 'TaskEnded' } } });
    await expect(batch.task.reactivate('sdk-ending', 'failed')).rejects.toMatchObject({ statusCode: 409, code: job.state === 'completed' ? 'JobCompleted' : 'JobBeingTerminated' });
  });

  it('job.terminate with a stale ifMatch rejects with 412 ConditionNotMet and leaves the job active; the current ETag terminates it', async () => {
    const batch = client();
    const seen = await batch.job.get('sdk-guarded');
    // The job row rewritten (as a re-seed does): the ETag the caller holds is now stale.
    await new FixtureTable(createTableClient({ kind: 'connectionString', connectionString: azuriteConnectionString() }, env.TASKS_TABLE_NAME ?? '')).loadJob(aJob({ id: 'sdk-guarded' }), []);
    const current = await batch.job.get('sdk-guarded');
    expect(current.eTag).not.toBe(seen.eTag);
    const stale = await batch.job.terminate('sdk-guarded', { jobTerminateOptions: { ifMatch: seen.eTag } }).then(() => null, (e: unknown) => e);
    expect([classOf(stale), stale]).toEqual(['RestError', expect.objectContaining({ statusCode: 412, code: 'ConditionNotMet' })]);
    expect((await batch.job.get('sdk-guarded')).state).toBe('active');
    await expect(batch.job.terminate('sdk-guarded', { jobTerminateOptions: { ifMatch: current.eTag } })).resolves.toBeDefined();
    expect(['terminating', 'completed']).toContain((await batch.job.get('sdk-guarded')).state);
  });

  it('task.get with ifNoneMatch the current eTag answers 304, which the SDK rejects with statusCode 304; a stale one reads the task', async () => {
    const batch = client();
    const task = await batch.task.get('sdk-job', 'ok');
    await expect(batch.task.get('sdk-job', 'ok', { taskGetOptions: { ifNoneMatch: task.eTag } })).rejects.toMatchObject({ statusCode: 304 });
    await expect(batch.task.get('sdk-job', 'ok', { taskGetOptions: { ifNoneMatch: 'W/"older"' } })).resolves.toMatchObject({ id: 'ok' });
    await expect(batch.task.get('sdk-job', 'ok', { taskGetOptions: { ifMatch: 'W/"older"' } })).rejects.toMatchObject({ statusCode: 412, code: 'ConditionNotMet' });
  });
});

describe('BatchServiceClient retrying after a lost answer', () => {
  it("replays on the SDK's own retry when the generated id is named client-request-id (clientRequestIdHeaderName)", async () => {
    const lost = loseFirstAnswer();
    await expect(client({ noRetryPolicy: false, clientRequestIdHeaderName: 'client-request-id', requestPolicyFactories: belowRetries(lost) }).task.reactivate('sdk-job', 'lost-1')).resolves.toBeDefined();
    // Two tries reached the app with one id: the first reactivated the task, the second was answered as its replay.
    expect(lost.tries).toHaveLength(2);
    expect(lost.tries.map(([id, , status]) => [id, status])).toEqual([[lost.tries[0]?.[0], '204'], [lost.tries[0]?.[0], '204']]);
    expect(await history('sdk-job', 'lost-1')).toEqual([expect.objectContaining({ client_request_id: lost.tries[0]?.[0] })]);
  });

  it("replays on the SDK's own retry with its defaults too: the app keys Batch requests by x-ms-client-request-id", async () => {
    const lost = loseFirstAnswer();
    await expect(client({ noRetryPolicy: false, requestPolicyFactories: belowRetries(lost) }).task.reactivate('sdk-job', 'lost-2')).resolves.toBeDefined();
    expect(lost.tries.map(([given, generated, status]) => [given, generated, status])).toEqual([['', lost.tries[0]?.[1], '204'], ['', lost.tries[0]?.[1], '204']]);
    expect(lost.tries[0]?.[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(await history('sdk-job', 'lost-2')).toHaveLength(1);
  });

  it('replays when the caller retries itself with the same per-call clientRequestId', async () => {
    const lost = loseFirstAnswer();
    // Above the retry policies: the loss reaches the caller, as a crash between send and answer would.
    const batch = client({ requestPolicyFactories: (defaults) => [lost, ...defaults] });
    const options = { taskReactivateOptions: { clientRequestId: randomUUID() } };
    await expect(batch.task.reactivate('sdk-job', 'lost-3', options)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(batch.task.reactivate('sdk-job', 'lost-3', options)).resolves.toBeDefined();
    await expect(batch.task.reactivate('sdk-job', 'lost-3', { taskReactivateOptions: { clientRequestId: randomUUID() } })).rejects.toMatchObject({ statusCode: 409, code: 'TaskNotCompleted' });
    expect(await history('sdk-job', 'lost-3')).toEqual([expect.objectContaining({ client_request_id: options.taskReactivateOptions.clientRequestId })]);
  });
});

describe('the function key', () => {
  it("went with every request the SDK sent, from the credentials' signRequest, beside api-version", () => {
    expect(sent.length).toBeGreaterThan(10);
    for (const request of sent) {
      expect([request.method, request.url, request.headers['x-functions-key']]).toEqual([request.method, request.url, FUNCTION_KEY]);
      expect(new URL(request.url).searchParams.get('api-version')).toBe('2022-10-01.16.0');
    }
  });
});

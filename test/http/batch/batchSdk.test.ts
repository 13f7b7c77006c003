import { BatchServiceClient } from '@azure/batch';
import { describe, expect, it } from 'vitest';

import { batchClient, quickRetries, withServer, type PolicyFactory, type Reply } from './batchSdk';

const NO_CONTENT: Reply = { status: 204 };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('@azure/batch 10.x on the wire', () => {
  it('sends the function key, api-version and x-ms-client-request-id, but no client-request-id, ocp-date or timeout by default', async () => {
    await withServer(
      () => NO_CONTENT,
      async (baseUrl, received) => {
        await batchClient(baseUrl).task.reactivate('job-1', 'task-1');
        const [request] = received;
        expect(request?.method).toBe('POST');
        expect(request?.url).toBe('/jobs/job-1/tasks/task-1/reactivate?api-version=2022-10-01.16.0');
        expect(request?.headers['x-functions-key']).toBe('test-key');
        expect(request?.headers['x-ms-client-request-id']).toMatch(GUID);
        expect(request?.headers['accept-language']).toBe('en-US');
        expect(request?.headers['content-length']).toBe('0');
        for (const absent of ['client-request-id', 'return-client-request-id', 'ocp-date', 'if-match']) expect(request?.headers[absent]).toBeUndefined();
      },
    );
  });

  it('sends the per-call options as Batch headers and the timeout as a query parameter', async () => {
    await withServer(
      () => NO_CONTENT,
      async (baseUrl, received) => {
        await batchClient(baseUrl).task.reactivate('job-1', 'task-1', {
          taskReactivateOptions: {
            clientRequestId: '9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11',
            returnClientRequestId: true,
            ocpDate: new Date('2026-11-28T12:00:00Z'),
            ifMatch: 'W/"etag"',
            ifUnmodifiedSince: new Date('2026-11-28T11:00:00Z'),
            timeout: 10,
          },
        });
        const headers = received[0]?.headers;
        expect(received[0]?.url).toBe('/jobs/job-1/tasks/task-1/reactivate?api-version=2022-10-01.16.0&timeout=10');
        expect(headers?.['client-request-id']).toBe('9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11');
        expect(headers?.['return-client-request-id']).toBe('true');
        expect(headers?.['ocp-date']).toBe('Sat, 28 Nov 2026 12:00:00 GMT');
        expect(headers?.['if-match']).toBe('W/"etag"');
        expect(headers?.['if-unmodified-since']).toBe('Sat, 28 Nov 2026 11:00:00 GMT');
      },
    );
  });

  it('sends terminateReason as the JSON body of terminate, and no body without one', async () => {
    await withServer(
      () => ({ status: 202 }),
      async (baseUrl, received) => {
        const client = batchClient(baseUrl);
        await client.job.terminate('job-1', { terminateReason: 'Budget exhausted' });
        await client.job.terminate('job-1');
        expect(received[0]?.url).toBe('/jobs/job-1/terminate?api-version=2022-10-01.16.0');
        expect(received[0]?.headers['content-type']).toBe('application/json; odata=minimalmetadata; charset=utf-8');
        expect(JSON.parse(received[0]?.body ?? '')).toEqual({ terminateReason: 'Budget exhausted' });
        expect(received[1]?.body).toBe('');
      },
    );
  });

  it.each([
    ['task.reactivate', 204, (c: BatchServiceClient) => c.task.reactivate('job-1', 'task-1')],
    ['job.terminate', 202, (c: BatchServiceClient) => c.job.terminate('job-1')],
  ])('accepts only its own success status for %s (%i); the envelope 200 is an error to it', async (_, status, call) => {
    await withServer(
      (request) => (request.headers['x-answer'] === 'envelope' ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"success":true,"data":{}}' } : { status }),
      async (baseUrl) => {
        await expect(call(batchClient(baseUrl))).resolves.toBeDefined();
        const envelopeClient = batchClient(baseUrl, { requestPolicyFactories: (defaults) => [headerPolicy('x-answer', 'envelope'), ...defaults] });
        await expect(call(envelopeClient)).rejects.toMatchObject({ statusCode: 200, code: undefined });
      },
    );
  });

  it('reads ETag, Last-Modified, request-id, client-request-id and DataServiceId from the headers of a 204', async () => {
    await withServer(
      () => ({
        status: 204,
        headers: {
          ETag: 'W/"etag"',
          'Last-Modified': 'Sat, 28 Nov 2026 12:00:00 GMT',
          'request-id': '5773ff95-1713-4c3a-bfc0-f75547e8dd2e',
          'client-request-id': '9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11',
          DataServiceId: 'https://app.example.net/jobs/job-1/tasks/task-1/reactivate',
        },
      }),
      async (baseUrl) => {
        const answer = await batchClient(baseUrl).task.reactivate('job-1', 'task-1');
        expect(answer.eTag).toBe('W/"etag"');
        expect(answer.lastModified.toISOString()).toBe('2026-11-28T12:00:00.000Z');
        expect(answer.requestId).toBe('5773ff95-1713-4c3a-bfc0-f75547e8dd2e');
        expect(answer.clientRequestId).toBe('9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11');
        expect(answer.dataServiceId).toBe('https://app.example.net/jobs/job-1/tasks/task-1/reactivate');
      },
    );
  });
});

/** The other way to give the key: a request policy at the head of the SDK's pipeline. */
function headerPolicy(name: string, value: string): PolicyFactory {
  return {
    create: (next) => ({
      sendRequest: (request) => {
        request.headers.set(name, value);
        return next.sendRequest(request);
      },
    }),
  };
}

describe('giving BatchServiceClient the function key', () => {
  it('works as a request policy instead of credentials', async () => {
    await withServer(
      () => NO_CONTENT,
      async (baseUrl, received) => {
        const client = new BatchServiceClient({ signRequest: (request) => Promise.resolve(request) }, baseUrl, {
          noRetryPolicy: true,
          requestPolicyFactories: (defaults) => [headerPolicy('x-functions-key', 'policy-key'), ...defaults],
        });
        await client.task.reactivate('job-1', 'task-1');
        expect(received[0]?.headers['x-functions-key']).toBe('policy-key');
      },
    );
  });
});

describe('client-request-id across the SDK retries', () => {
  it('stays the same through a 503 and a dropped connection when the generated id is named client-request-id', async () => {
    await withServer(
      (_, index) => (index === 0 ? { status: 503 } : index === 2 ? 'drop' : NO_CONTENT),
      async (baseUrl, received) => {
        const client = new BatchServiceClient({ signRequest: (request) => Promise.resolve(request) }, baseUrl, {
          clientRequestIdHeaderName: 'client-request-id',
          requestPolicyFactories: quickRetries,
        });
        await client.task.reactivate('job-1', 'task-1');
        await client.task.reactivate('job-1', 'task-1');
        const ids = received.map((request) => request.headers['client-request-id']);
        expect(ids).toHaveLength(4);
        expect(ids[0]).toMatch(GUID);
        expect(ids[1]).toBe(ids[0]);
        expect(ids[2]).not.toBe(ids[0]);
        expect(ids[3]).toBe(ids[2]);
      },
    );
  });

  it('lets a caller replay a call whose answer was lost by passing the same clientRequestId', async () => {
    await withServer(
      () => NO_CONTENT,
      async (baseUrl, received) => {
        const client = batchClient(baseUrl, { clientRequestIdHeaderName: 'client-request-id' });
        const options = { taskReactivateOptions: { clientRequestId: '9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11' } };
        await client.task.reactivate('job-1', 'task-1', options);
        await client.task.reactivate('job-1', 'task-1', options);
        expect(received.map((request) => request.headers['client-request-id'])).toEqual(['9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11', '9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11']);
      },
    );
  });
});

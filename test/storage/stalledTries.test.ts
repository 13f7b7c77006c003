import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { afterEach, describe, expect, it } from 'vitest';

import { retryStalled, retryStalledTriesPolicy } from '../../src/storage/stalledTries';

const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/**
 * A storage endpoint whose first `stalls` requests are received and never answered, as a stalled
 * connection leaves them; the ones after are answered by `answer`.
 */
async function stallingServer(stalls: number, answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string; received: () => number }> {
  let received = 0;
  const server = createServer((req, res) => {
    received += 1;
    if (received <= stalls) return;
    req.resume();
    req.on('end', () => {
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/devstoreaccount1`, received: () => received };
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

const connectionString = (url: string) => `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};TableEndpoint=${url};QueueEndpoint=${url};`;

describe('a storage request that gets no answer', () => {
  it('is abandoned after its try timeout and sent again by the Tables pipeline, which then gets the answer', async () => {
    const endpoint = await stallingServer(1, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json;odata=nometadata', etag: 'W/"1"' });
      res.end(JSON.stringify({ PartitionKey: 'p', RowKey: 'r', state: 'active' }));
    });
    servers.push(endpoint.server);
    const client = TableClient.fromConnectionString(connectionString(endpoint.url), 't', {
      allowInsecureConnection: true,
      additionalPolicies: [{ policy: retryStalledTriesPolicy(200), position: 'perCall' }],
    });
    const entity = await client.getEntity('p', 'r');
    expect(entity.state).toBe('active');
    expect(endpoint.received()).toBe(2);
  });

  it('is sent again for a queue operation, which then gets the answer', async () => {
    const endpoint = await stallingServer(1, (_req, res) => {
      res.writeHead(204);
      res.end();
    });
    servers.push(endpoint.server);
    const client = new QueueClient(`${endpoint.url}/q`);
    await retryStalled(undefined, (abortSignal) => client.deleteMessage('id', 'receipt', { abortSignal }), 200);
    expect(endpoint.received()).toBe(2);
  });

  it('is tried three times in all, then fails', async () => {
    const endpoint = await stallingServer(10, () => undefined);
    servers.push(endpoint.server);
    const client = new QueueClient(`${endpoint.url}/q`);
    await expect(retryStalled(undefined, (abortSignal) => client.deleteMessage('id', 'receipt', { abortSignal }), 200)).rejects.toThrow();
    expect(endpoint.received()).toBe(3);
  });

  it("is not sent again once the caller's own signal has ended it", async () => {
    const endpoint = await stallingServer(10, () => undefined);
    servers.push(endpoint.server);
    const client = new QueueClient(`${endpoint.url}/q`);
    const caller = AbortSignal.timeout(100);
    await expect(retryStalled(caller, (abortSignal) => client.deleteMessage('id', 'receipt', { abortSignal }), 5_000)).rejects.toThrow();
    expect(endpoint.received()).toBe(1);
  });
});

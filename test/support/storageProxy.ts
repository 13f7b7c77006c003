import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createQueueClient, MessageQueue } from '../../src/storage/messageQueue';
import { azuriteConnectionString } from './storage';

/**
 * A plain HTTP forwarder in front of one Azurite service, for clients whose pipeline takes no
 * policy of ours (the Queue SDK): every request goes on to Azurite unchanged unless `answer`
 * answers it itself, as storage would. Shared-key signatures do not cover the port, so they hold.
 */
export interface StorageProxy {
  /** The proxy's base URL, to put in a connection string in place of the service's. */
  url: string;
  seen: { method: string; path: string }[];
  close(): Promise<void>;
}

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function startStorageProxy(target: string, answer: (request: IncomingMessage) => ProxyAnswer | undefined = () => undefined): Promise<StorageProxy> {
  const to = new URL(target);
  const seen: StorageProxy['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? 'GET', path: req.url ?? '/' });
    const own = answer(req);
    if (own !== undefined) {
      req.resume();
      res.writeHead(own.status, { 'content-length': Buffer.byteLength(own.body), ...own.headers });
      res.end(own.body);
      return;
    }
    const forwarded = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(res);
    });
    forwarded.once('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The connection string with one service's endpoint moved to `base` (the account path is kept). */
export function withEndpoint(connectionString: string, service: 'Queue' | 'Table' | 'Blob', base: string): string {
  return connectionString.replace(new RegExp(`${service}Endpoint=http://[^/;]+`), `${service}Endpoint=${base}`);
}

/** The endpoint of one service in a connection string, without its account path. */
export function endpointOf(connectionString: string, service: 'Queue' | 'Table' | 'Blob'): string {
  const match = new RegExp(`${service}Endpoint=(http://[^/;]+)`).exec(connectionString);
  if (match?.[1] === undefined) throw new Error(`no ${service}Endpoint in the connection string`);
  return match[1];
}

/** Create Queue: `PUT <account>/<queue>`, with no `comp` (which would set metadata or ACLs). */
export function isCreateQueue(method: string | undefined, path: string, queueName: string): boolean {
  const url = new URL(path, 'http://proxy');
  return method === 'PUT' && url.pathname === `/devstoreaccount1/${queueName}` && !url.searchParams.has('comp');
}

const REFUSED: ProxyAnswer = {
  status: 403,
  headers: { 'content-type': 'application/xml', 'x-ms-error-code': 'AuthorizationPermissionMismatch' },
  body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this operation using this permission.</Message></Error>',
};

/**
 * A MessageQueue on the test Azurite whose requests pass through a proxy; with `refuseCreation`,
 * creating the queue is refused (403), as for the app's identity in Azure, so that a queue that
 * does not exist stays missing and every send to it fails for real.
 */
export async function queueBehindProxy(queueName: string, options: { refuseCreation: boolean }): Promise<{ queue: MessageQueue; proxy: StorageProxy }> {
  const conn = azuriteConnectionString();
  const proxy = await startStorageProxy(endpointOf(conn, 'Queue'), (request) =>
    options.refuseCreation && isCreateQueue(request.method, request.url ?? '', queueName) ? REFUSED : undefined,
  );
  const queue = new MessageQueue(createQueueClient({ kind: 'connectionString', connectionString: withEndpoint(conn, 'Queue', proxy.url) }, queueName));
  return { queue, proxy };
}

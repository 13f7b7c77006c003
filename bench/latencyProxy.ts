import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A forwarder in front of one storage service that holds every request for `delayMs` before
 * passing it on: storage as far away as a network round trip. With it, the time a call takes,
 * divided by the delay, counts the round trips it waits for, whatever the client library.
 */
export interface LatencyProxy {
  url: string;
  /** The delay from now on. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startLatencyProxy(target: string, delayMs: number): Promise<LatencyProxy> {
  const to = new URL(target);
  const proxy = { delayMs };
  const server = createServer((req, res) => {
    setTimeout(() => {
      // A connection of its own per request (agent: false): a kept-alive socket that Azurite closes
      // as a request is sent on it left that request, and its caller, waiting for good.
      const forwarded = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        // An answer cut off midway reaches the caller as a broken connection, which its SDK retries.
        upstream.once('error', () => res.destroy());
        upstream.once('aborted', () => res.destroy());
        upstream.pipe(res);
      });
      forwarded.once('error', () => res.destroy());
      req.pipe(forwarded);
    }, proxy.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  });
}

/** The connection string with one service's endpoint (`http://host:port`) replaced, the account path kept. */
export function withEndpoint(connectionString: string, service: 'Queue' | 'Table', base: string): string {
  return connectionString.replace(new RegExp(`${service}Endpoint=http://[^/;]+`), `${service}Endpoint=${base}`);
}

export function endpointOf(connectionString: string, service: 'Queue' | 'Table'): string {
  const match = new RegExp(`${service}Endpoint=(http://[^/;]+)`).exec(connectionString);
  if (match?.[1] === undefined) throw new Error(`no ${service}Endpoint in the connection string`);
  return match[1];
}

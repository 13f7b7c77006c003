import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

import { BatchServiceClient } from '@azure/batch';

type Credentials = ConstructorParameters<typeof BatchServiceClient>[0];
type ClientOptions = NonNullable<ConstructorParameters<typeof BatchServiceClient>[2]>;
type PolicyFactories = Extract<NonNullable<ClientOptions['requestPolicyFactories']>, readonly unknown[]>;
export type PolicyFactory = PolicyFactories[number];

/** The retry policies of the ms-rest-js copy the SDK itself loads, to run them with short waits. */
const msRest = createRequire(require.resolve('@azure/batch'))('@azure/ms-rest-js') as {
  exponentialRetryPolicy: (count: number, interval: number, min: number, max: number) => PolicyFactory;
  systemErrorRetryPolicy: (count: number, interval: number, min: number, max: number) => PolicyFactory;
};

/** The class name of the policy a factory of the SDK's default pipeline makes, to find one in the list. */
export function policyName(factory: PolicyFactory): string {
  return (factory.create({ sendRequest: () => Promise.reject(new Error('unused')) }, { log: () => undefined, shouldLog: () => false }) as object).constructor.name;
}

/**
 * The default pipeline, with the SDK's own retry policies waiting milliseconds instead of the tens
 * of seconds they wait by default: the same policies, the same decisions, sooner.
 */
export function quickRetries(defaults: PolicyFactories): PolicyFactories {
  return defaults.map((factory) => {
    const name = policyName(factory);
    if (name === 'ExponentialRetryPolicy') return msRest.exponentialRetryPolicy(3, 5, 5, 20);
    if (name === 'SystemErrorRetryPolicy') return msRest.systemErrorRetryPolicy(3, 5, 5, 20);
    return factory;
  });
}

/** Gives every request the function key, the way the SDK's own credentials sign requests. */
export function functionKeyCredentials(key: string): Credentials {
  return {
    signRequest: (request) => {
      request.headers.set('x-functions-key', key);
      return Promise.resolve(request);
    },
  };
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Runs `use` against a loopback server that answers every request with `reply`, so a test sees
 * exactly what the SDK sends and what it makes of an answer.
 */
export async function withServer(reply: (request: Received, index: number) => Reply | 'drop', use: (baseUrl: string, received: Received[]) => Promise<void>): Promise<void> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      received.push(request);
      const answer = reply(request, received.length - 1);
      if (answer === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, received);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
}

/** The SDK as a caller of this app would build it; no retries unless a test asks for them. */
export function batchClient(baseUrl: string, options: ClientOptions = {}): BatchServiceClient {
  return new BatchServiceClient(functionKeyCredentials('test-key'), baseUrl, { noRetryPolicy: true, ...options });
}

/** A JSON answer as Batch sends one. */
export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json;odata=minimalmetadata', ...headers }, body: JSON.stringify(body) };
}

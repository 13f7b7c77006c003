import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import type { StorageQueueHandler } from '@azure/functions';

import { queueHostSettings } from './hostSettings';
import { httpListener, type LogLine } from './httpTrigger';
import { startQueueTrigger, type RunningTrigger } from './queueTrigger';
import { loadRegistrations, type Registration } from './registrations';

/**
 * A small stand-in for the Functions host, for machines without Core Tools: it loads the app's
 * entry files as the host does, and runs each registration through the module of its trigger kind:
 * HTTP and storage queue. A registration of any other kind (the timer among them) is reported,
 * never silently dropped; the real host runs it (docs/local-development.md: the local host and the real one). The
 * end-to-end suite runs under both hosts.
 */
export interface LocalHost {
  url: string;
  registrations: readonly Registration[];
  notServed: readonly Registration[];
  close(): Promise<void>;
}

export async function startLocalHost(options: { root: string; port: number; host: string; log: LogLine }): Promise<LocalHost> {
  const registrations = loadRegistrations(options.root);
  const served = new Set(['http', 'storageQueue']);
  const notServed = registrations.filter((registration) => !served.has(registration.kind));
  const queueSettings = queueHostSettings(options.root);
  const triggers: RunningTrigger[] = [];
  for (const registration of registrations) {
    if (registration.kind === 'storageQueue') {
      triggers.push(await startQueueTrigger(registration.name, registration.options as { queueName: string; connection?: string; handler: StorageQueueHandler }, queueSettings, options.log));
    }
  }
  const server = createServer(httpListener(registrations, routePrefix(options.root), options.log));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    registrations,
    notServed,
    close: async () => {
      await Promise.all(triggers.map((trigger) => trigger.stop()));
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}

/** host.json `extensions.http.routePrefix`, "api" when unset: the same prefix the host applies. */
export function routePrefix(root: string): string {
  const hostJson = JSON.parse(readFileSync(path.join(root, 'host.json'), 'utf8')) as { extensions?: { http?: { routePrefix?: unknown } } };
  const prefix = hostJson.extensions?.http?.routePrefix;
  return typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : 'api';
}

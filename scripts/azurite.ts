import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Azurite's published development account; a well-known public value, not a secret. */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export interface RunningAzurite {
  ports: AzuritePorts;
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** 0 picks free ports (tests); the standard ones are 10000-10002. */
  ports?: AzuritePorts;
  /** A folder to keep data in; in memory when absent. */
  location?: string;
  host?: string;
}

export const FREE_PORTS: AzuritePorts = { blob: 0, queue: 0, table: 0 };
export const STANDARD_PORTS: AzuritePorts = { blob: 10000, queue: 10001, table: 10002 };

export function connectionStringFor(ports: AzuritePorts, host = '127.0.0.1'): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_KEY}`,
    `BlobEndpoint=http://${host}:${ports.blob}/${DEV_ACCOUNT}`,
    `QueueEndpoint=http://${host}:${ports.queue}/${DEV_ACCOUNT}`,
    `TableEndpoint=http://${host}:${ports.table}/${DEV_ACCOUNT}`,
    '',
  ].join(';');
}

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/;

/**
 * Starts Azurite as a child process (its package ships no typed API; the CLI is the supported
 * surface) and resolves once all three services listen, with the ports they really got.
 */
export function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const ports = options.ports ?? FREE_PORTS;
  const host = options.host ?? '127.0.0.1';
  // Resolved from the project root: this file runs both compiled (CommonJS) and under vitest (ESM).
  const projectRequire = createRequire(path.join(process.cwd(), 'package.json'));
  const bin = path.join(path.dirname(projectRequire.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
  const args = [
    bin,
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--silent',
    '--blobHost', host, '--queueHost', host, '--tableHost', host,
    '--blobPort', String(ports.blob),
    '--queuePort', String(ports.queue),
    '--tablePort', String(ports.table),
    ...(options.location !== undefined ? ['--location', options.location] : ['--inMemoryPersistence']),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const seen: Partial<AzuritePorts> = {};
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const line of chunk.toString().split('\n')) {
        const match = LISTENING.exec(line);
        if (match?.[1] !== undefined && match[2] !== undefined) {
          seen[match[1].toLowerCase() as keyof AzuritePorts] = Number(match[2]);
        }
      }
      if (seen.blob !== undefined && seen.queue !== undefined && seen.table !== undefined) {
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        const actual = seen as AzuritePorts;
        resolve({ ports: actual, connectionString: connectionStringFor(actual, host), stop: () => stopChild(child) });
      }
    };
    const onExit = (code: number | null): void => {
      reject(new Error(`Azurite exited (code ${String(code)}) before it listened:\n${output}`));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', onExit);
    child.once('error', reject);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

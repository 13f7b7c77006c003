import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

import { loadConfig, SETTING } from '../src/config';
import { createQueueClient } from '../src/storage/messageQueue';
import { azuriteOnStandardPorts, type StandardAzurite } from './host/azuriteOnStandardPorts';
import { startLocalHost } from './host/localHost';
import { describeConnectionString, isDevelopmentStorage, LOCAL_SETTINGS, LOCAL_SETTINGS_EXAMPLE, localSettings, projectRoot } from './settings';

/**
 * `npm start`: storage and the function app together, for a machine with no Azure account and no
 * global tools. Azurite is started on the standard ports when the settings name
 * `UseDevelopmentStorage=true` (and none answers there yet); the app runs under Core Tools when
 * `func` is on PATH, else under the local host, which serves the same registrations. Ctrl-C stops
 * everything this command started.
 */

const HOST = '127.0.0.1';
const DEFAULT_PORT = 7071;

interface Options {
  /** Azurite keeps its data in this folder instead of in memory. */
  dataFolder: string | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { dataFolder: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--data' && argv[i + 1] !== undefined) options.dataFolder = path.resolve(argv[++i] ?? '');
    else throw new Error(`unknown argument ${String(arg)}; usage: npm start [-- --data <folder>]`);
  }
  return options;
}

function portFromEnv(): number {
  const raw = process.env.PORT;
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number (0 picks a free one), not "${raw}"`);
  return port;
}

/** `func` on PATH, as the shell would find it. */
function funcOnPath(): string | undefined {
  const names = process.platform === 'win32' ? ['func.cmd', 'func.exe'] : ['func'];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (dir !== '' && existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Core Tools takes a port, not 0: pick a free one for it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : DEFAULT_PORT);
      });
    });
  });
}

/** What this command started, stopped in reverse order on Ctrl-C, on SIGTERM, or when start fails. */
const stops: (() => Promise<void>)[] = [];
let stopping = false;
/**
 * Ctrl-C in a terminal (SIGINT) and a closed terminal (SIGHUP) reach the whole foreground process
 * group, `func` included, which then stops by itself; a second signal would make it kill its host
 * outright. SIGTERM, or this command's parent dying, reach this process only.
 */
let childGotTheSignal = false;

async function stopAll(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130); // a second Ctrl-C does not wait
    console.log(`\n${signal}: stopping…`);
    childGotTheSignal = signal !== 'SIGTERM';
    void stopAll(0);
  });
}

/**
 * When whoever started this command dies without passing a signal on (npm does not forward
 * SIGTERM to its script), this process is re-parented: stop too, so no Azurite is left behind.
 */
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void stopAll(0);
}, 500).unref();

async function main(): Promise<void> {
  const root = projectRoot(__dirname);
  const options = parseArgs(process.argv.slice(2));
  const func = funcOnPath();
  if (func !== undefined && !existsSync(path.join(root, LOCAL_SETTINGS))) {
    // Core Tools reads its settings from this file only; never overwrite one the user has.
    copyFileSync(path.join(root, LOCAL_SETTINGS_EXAMPLE), path.join(root, LOCAL_SETTINGS));
    console.log(`Created ${LOCAL_SETTINGS} from ${LOCAL_SETTINGS_EXAMPLE}.`);
  }
  const settings = localSettings(root);
  const tasksStorage = settings[SETTING.connectionString];
  const needsAzurite = isDevelopmentStorage(tasksStorage) || (func !== undefined && isDevelopmentStorage(settings.AzureWebJobsStorage));

  let azurite: StandardAzurite | undefined;
  if (needsAzurite) {
    azurite = await azuriteOnStandardPorts(options.dataFolder);
    if (azurite.kind === 'started') stops.push(azurite.stop);
  }
  await ensureTriggerQueue(settings);
  const storage = storageLine(settings, azurite);
  const port = portFromEnv();

  if (func !== undefined) {
    await startUnderFunc(func, root, port === 0 ? await freePort() : port, storage);
    return;
  }

  // The local host runs the app in this process: its settings are read from the environment at load.
  for (const [name, value] of Object.entries(settings)) process.env[name] ??= value;
  const host = await startLocalHost({
    root,
    port,
    host: HOST,
    log: (functionName, level, message) => {
      console.log(`[${new Date().toISOString()}] ${functionName} ${level}: ${message}`);
    },
  });
  stops.push(() => host.close());
  for (const registration of host.notServed) {
    console.warn(`warning: ${registration.kind} function "${registration.name}" is not run by the local host; use Core Tools (func start) for it.`);
  }
  printReady(host.url, 'the local host (Core Tools not found on PATH; function keys are not checked)', storage);
}

/**
 * The queue the queue trigger reads, so that the host does not log a missing queue at every poll
 * until the first message is sent. The app creates its other queues and its table itself, on first
 * use; in Azure the Bicep creates them all.
 */
async function ensureTriggerQueue(settings: Record<string, string>): Promise<void> {
  const connectionString = settings[SETTING.connectionString];
  if (connectionString === undefined) return;
  await createQueueClient({ kind: 'connectionString', connectionString }, loadConfig(settings).reactivationQueueName).createIfNotExists();
}

const KEY_LINE = /default function key: (\S+)/;
const READY_WITHIN_MS = 180_000;

/**
 * The app under `func start` (Core Tools, or any `func` that takes its options). Its output is
 * passed through; the banner is printed once the app answers, with the function key when the host
 * printed one (a host that checks keys, such as the open-source host's func-start, does).
 */
async function startUnderFunc(func: string, root: string, port: number, storage: string): Promise<void> {
  const child = spawn(func, ['start', '--port', String(port)], { cwd: root, stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env } });
  const printed: { key?: string; byFuncStart: boolean } = { byFuncStart: false };
  const pass = (to: NodeJS.WriteStream) => {
    let partial = '';
    return (chunk: Buffer) => {
      to.write(chunk);
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        printed.byFuncStart ||= line.startsWith('func-start:');
        printed.key ??= KEY_LINE.exec(line)?.[1];
      }
    };
  };
  child.stdout.on('data', pass(process.stdout));
  child.stderr.on('data', pass(process.stderr));
  stops.push(
    () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => {
          resolve();
        });
        // After a Ctrl-C it is stopping already: signal it only if it has not exited after a while.
        const timer = setTimeout(() => child.kill('SIGINT'), childGotTheSignal ? 15_000 : 0);
        child.once('exit', () => {
          clearTimeout(timer);
        });
      }),
  );
  child.once('exit', (code) => {
    if (!stopping) void stopAll(code ?? 1);
  });

  const url = `http://${HOST}:${port}`;
  const until = Date.now() + READY_WITHIN_MS;
  while (!(await answers(`${url}/openapi.json`))) {
    if (stopping || child.exitCode !== null) return;
    if (Date.now() > until) throw new Error(`func start did not answer on ${url} within ${READY_WITHIN_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // func-start prints its key just after the host is running.
  for (let i = 0; i < 40 && printed.byFuncStart && printed.key === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const keyLine =
    printed.key !== undefined
      ? `${printed.key}   (every route but /openapi.json needs it: x-functions-key header or ?code=)`
      : 'not checked by Core Tools locally (func start --enableAuth checks them)';
  printReady(url, 'func (func start)', storage, keyLine);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

function storageLine(settings: Record<string, string>, azurite: StandardAzurite | undefined): string {
  const table = settings[SETTING.tableName] ?? 'batchtasks';
  const connectionString = settings[SETTING.connectionString];
  const where =
    connectionString !== undefined ? describeConnectionString(connectionString) : (settings[SETTING.tableServiceUri] ?? `(not configured: set ${SETTING.connectionString})`);
  const emulator =
    azurite === undefined
      ? ''
      : azurite.kind === 'reused'
        ? ' - the Azurite already running on ports 10000-10002'
        : ` - Azurite started on ports 10000-10002, ${azurite.location !== undefined ? `data in ${azurite.location}` : 'in memory'}`;
  return `table ${table} at ${where}${emulator}`;
}

function printReady(url: string, runner: string, storage: string, keys?: string): void {
  console.log('');
  console.log(`batch-task-reactivation is running under ${runner}`);
  console.log(`  app:     ${url}   (API description: ${url}/openapi.json)`);
  if (keys !== undefined) console.log(`  key:     ${keys}`);
  console.log(`  storage: ${storage}`);
  console.log(`  load the demo jobs: npm run seed -- fixtures/demo.json`);
  console.log(`  reactivate through the queue: npm run enqueue -- <jobId> <taskId>`);
  console.log('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

import { loadConfig, SETTING } from '../src/config';
import { createQueueClient, poisonQueueName } from '../src/storage/messageQueue';
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
  await ensureAppQueues(settings);
  const storage = storageLine(settings, azurite);
  const port = portFromEnv();

  if (func !== undefined) {
    const funcPort = port === 0 ? await freePort() : port;
    const child = spawn(func, ['start', '--port', String(funcPort)], { cwd: root, stdio: 'inherit', env: { ...process.env } });
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
          child.kill('SIGINT');
        }),
    );
    child.once('exit', (code) => void stopAll(code ?? 0));
    printReady(`http://${HOST}:${funcPort}`, 'Azure Functions Core Tools (func start)', storage);
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
 * In Azure the Bicep creates the app's queues, and the app has no right to create them; against
 * a connection string (Azurite, or a storage account used with a key) they are created here.
 */
async function ensureAppQueues(settings: Record<string, string>): Promise<void> {
  const connectionString = settings[SETTING.connectionString];
  if (connectionString === undefined) return;
  const config = loadConfig(settings);
  const names = [config.reactivationQueueName, poisonQueueName(config.reactivationQueueName), config.eventsQueueName];
  await Promise.all(names.map((name) => createQueueClient({ kind: 'connectionString', connectionString }, name).createIfNotExists()));
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

function printReady(url: string, runner: string, storage: string): void {
  console.log('');
  console.log(`batch-task-reactivation is running under ${runner}`);
  console.log(`  app:     ${url}   (API description: ${url}/openapi.json)`);
  console.log(`  storage: ${storage}`);
  console.log(`  load the demo jobs: npm run seed -- fixtures/demo.json`);
  console.log(`  reactivate through the queue: npm run enqueue -- <jobId> <taskId>`);
  console.log('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});

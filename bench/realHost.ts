import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { build } from 'esbuild';

import { SETTING } from '../src/config';
import { compareOverHttp, type HttpOverheadResult } from './httpOverhead';
import { median, round } from './stats';
import { failedTask, job, type World } from './world';

/**
 * The app under the real Functions host (the open-source host's func-start), measured side by side
 * with a baseline under the same host in the same run:
 * - cold start: from spawning func-start to the first answered request, this app (a reactivation)
 *   against a one-function hello app (its one GET), in interleaved rounds;
 * - HTTP overhead: a reactivation over the host against the in-process service call.
 */
export interface RealHostResult {
  rounds: number;
  appColdStartMs: number[];
  helloColdStartMs: number[];
  /** Median of app over hello, each over its rounds. */
  medianRatio: number;
  /** Best (fastest) of app over best of hello. */
  bestRatio: number;
  /** Median of the rounds' own ratios (app over the hello run beside it): least moved by drift in load. */
  pairedMedianRatio: number;
  appMedianMs: number;
  helloMedianMs: number;
  appBestMs: number;
  helloBestMs: number;
  http: HttpOverheadResult;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** A keys folder func-start reuses, so the key is known before the host is up. */
function keysFolder(port: number): { dir: string; key: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-keys-'));
  const key = randomBytes(40).toString('base64url');
  const secrets = {
    masterKey: { name: 'master', value: randomBytes(40).toString('base64url'), encrypted: false },
    functionKeys: [{ name: 'default', value: key, encrypted: false }],
    systemKeys: [],
    hostName: `localhost:${port}`,
    instanceId: randomBytes(16).toString('hex'),
    source: 'runtime',
    decryptionKeyId: '',
  };
  writeFileSync(path.join(dir, 'host.json'), JSON.stringify(secrets));
  return { dir, key };
}

interface RunningHost {
  url: string;
  key: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function startHost(hostDir: string, scriptRoot: string, port: number, env: NodeJS.ProcessEnv): RunningHost {
  const keys = keysFolder(port);
  const child = spawn(path.join(hostDir, 'func-start'), ['--port', String(port), '--script-root', scriptRoot, '--keys-dir', keys.dir, '--timeout', '180'], {
    env: {
      ...env,
      AzureFunctionsWebHost__hostid: `bench-${randomUUID().slice(0, 8)}`,
      AzureFunctionsJobHost__fileWatchingEnabled: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    url: `http://127.0.0.1:${port}`,
    key: keys.key,
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        const done = (): void => {
          rmSync(keys.dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) {
          done();
          return;
        }
        const kill = setTimeout(() => {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        }, 40_000);
        child.once('exit', () => {
          clearTimeout(kill);
          done();
        });
        child.kill('SIGINT');
      }),
  };
}

/** Polls `attempt` until it answers 200; the time from `started` to that answer. */
async function firstAnswer(host: RunningHost, started: number, attempt: () => Promise<Response>): Promise<number> {
  const until = started + 180_000;
  for (;;) {
    try {
      const response = await attempt();
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // Not listening yet.
    }
    if (host.child.exitCode !== null) throw new Error(`bench: the host exited:\n${host.output()}`);
    if (performance.now() > until) throw new Error(`bench: no answer within 180 s:\n${host.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The hello app as the host loads it: host.json, package.json and one bundled main.js. */
async function helloAppFolder(root: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-hello-'));
  copyFileSync(path.join(root, 'host.json'), path.join(dir, 'host.json'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'hello', version: '1.0.0', main: 'main.js' }));
  await build({
    entryPoints: [path.join(root, 'bench', 'helloApp.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    outfile: path.join(dir, 'main.js'),
    external: ['@azure/functions-core'],
    logLevel: 'warning',
  });
  return dir;
}

export async function measureRealHost(
  root: string,
  hostDir: string,
  connectionString: string,
  world: World,
  options: { rounds: number; httpSamples: number },
): Promise<RealHostResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AzureWebJobsStorage: connectionString,
    [SETTING.connectionString]: connectionString,
    [SETTING.tableName]: world.tableName,
    [SETTING.eventsQueueName]: world.events.name,
    [SETTING.reactivationQueueName]: `bench-requests-${randomUUID().slice(0, 8)}`,
  };
  const hello = await helloAppFolder(root);
  const app: number[] = [];
  const base: number[] = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      const jobId = `cold-${round}`;
      await world.table.loadJob(job(jobId), [failedTask(jobId, 'a')]);
      const runApp = async (): Promise<void> => {
        const port = await freePort();
        const started = performance.now();
        const host = startHost(hostDir, root, port, env);
        // One client-request-id for every attempt: an attempt given up on after the host committed it
        // makes the next one a replay (200), not a refusal of a task already active.
        const clientRequestId = randomUUID();
        try {
          app.push(
            await firstAnswer(host, started, () =>
              fetch(`${host.url}/jobs/${jobId}/tasks/a/reactivate`, {
                method: 'POST',
                headers: { 'x-functions-key': host.key, 'client-request-id': clientRequestId },
                signal: AbortSignal.timeout(30_000),
              }),
            ),
          );
        } finally {
          await host.stop();
        }
      };
      const runHello = async (): Promise<void> => {
        const port = await freePort();
        const started = performance.now();
        const host = startHost(hostDir, hello, port, env);
        try {
          base.push(await firstAnswer(host, started, () => fetch(`${host.url}/hello`, { signal: AbortSignal.timeout(30_000) })));
        } finally {
          await host.stop();
        }
      };
      // Interleaved, the order alternating, so that drift in the machine's load hits both alike.
      if (round % 2 === 0) {
        await runApp();
        await runHello();
      } else {
        await runHello();
        await runApp();
      }
    }

    const port = await freePort();
    const host = startHost(hostDir, root, port, env);
    try {
      await firstAnswer(host, performance.now(), () => fetch(`${host.url}/openapi.json`));
      const http = await compareOverHttp(host.url, { 'x-functions-key': host.key }, world, options.httpSamples);
      const [a, h] = [median(app), median(base)];
      const [aBest, hBest] = [Math.min(...app), Math.min(...base)];
      return {
        rounds: options.rounds,
        appColdStartMs: app.map((ms) => Math.round(ms)),
        helloColdStartMs: base.map((ms) => Math.round(ms)),
        medianRatio: round(a / h),
        bestRatio: round(aBest / hBest),
        pairedMedianRatio: round(median(app.map((ms, i) => ms / (base[i] ?? Number.NaN)))),
        appMedianMs: Math.round(a),
        helloMedianMs: Math.round(h),
        appBestMs: Math.round(aBest),
        helloBestMs: Math.round(hBest),
        http,
      };
    } finally {
      await host.stop();
    }
  } finally {
    rmSync(hello, { recursive: true, force: true });
  }
}

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** The app started exactly as a user starts it, `npm start`, in a process group of its own. */
export interface StartedApp {
  url: string;
  child: ChildProcess;
  output: () => string;
}

export function startApp(env: NodeJS.ProcessEnv, withinMs = 60_000): Promise<StartedApp> {
  return oneStartAtATime(() => spawnApp(env, withinMs));
}

function spawnApp(env: NodeJS.ProcessEnv, withinMs: number): Promise<StartedApp> {
  const child = spawn('npm', ['start'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Nothing it started may outlive the failed start.
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
      reject(new Error(`npm start did not print its URL within ${withinMs / 1000} s:\n${output}`));
    }, withinMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      // The banner ends with this line: everything it says has been printed.
      const url = output.includes('Press Ctrl-C to stop.') ? /app:\s+(http:\/\/\S+)/.exec(output)?.[1] : undefined;
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({ url, child, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${String(code)}):\n${output}`));
    });
  });
}

/** Every process below `pid`, read from `ps` (Linux and macOS). */
export function descendantsOf(pid: number): number[] {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number): void => {
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ctrl-C, as a terminal sends it: SIGINT to the whole process group. Resolves when npm has exited. */
export function pressCtrlC(app: StartedApp): Promise<void> {
  const pid = app.child.pid;
  if (pid === undefined || app.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    app.child.once('exit', () => {
      resolve();
    });
    process.kill(-pid, 'SIGINT');
  });
}

export async function waitUntilGone(pids: readonly number[], ms = 10_000): Promise<number[]> {
  const until = Date.now() + ms;
  let alive = pids.filter(isRunning);
  while (alive.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    alive = alive.filter(isRunning);
  }
  return alive;
}

/** `npm run seed -- <file>`, as the README runs it. */
export function seed(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return npmRun('seed', [file], env);
}

/** `npm run <script> -- <args>`, as the README runs it. */
export async function npmRun(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('npm', ['run', script, '--', ...args], { env });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: (failed.stdout ?? '') + (failed.stderr ?? '') };
  }
}

/**
 * Runs `start` while no other test file of this checkout is starting an app. Every `npm start`
 * rebuilds dist/ first, and test files run in parallel: one build rewriting dist/ while another app
 * loads from it could hand that app half a file. The lock is a directory (mkdir is atomic) holding
 * its owner's pid, so a lock left by a killed run is taken over rather than waited on.
 */
export async function oneStartAtATime<T>(start: () => Promise<T>, waitMs = 180_000): Promise<T> {
  const lock = path.join(tmpdir(), `npm-start-${createHash('sha256').update(process.cwd()).digest('hex').slice(0, 16)}.lock`);
  const owner = path.join(lock, 'pid');
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readOwner(owner));
      if (Number.isInteger(pid) && pid > 0 && !isRunning(pid)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > until) throw new Error(`another npm start of this checkout held ${lock} for ${waitMs / 1000} s`, { cause: error });
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await start();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readOwner(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // Made by its owner a moment ago, its pid not yet written: it is running.
    return String(process.pid);
  }
}

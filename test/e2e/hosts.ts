import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { functionsHostDir, functionsHostMissing } from '../../scripts/functionsHost';

/**
 * The two hosts the end-to-end suite runs under, both started exactly as the README starts the
 * app, with `npm start`: the local host (no `func` on PATH), and the open-source Functions host
 * (`tools/functions-host/func`, a `func` that runs its func-start, first on PATH).
 */
export interface HostUnderTest {
  /** "the local host", "the real host": the suite's name says which. */
  name: string;
  /** Whether routes of `authLevel: function` answer 401 without a key. */
  checksKeys: boolean;
  /** What `npm start` needs in its environment to run under this host. */
  environment(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** How long it may take, on a busy machine, from `npm start` to the app answering. */
  startWithinMs: number;
  /** What npm start's output says after Ctrl-C when the host stopped by itself, not killed. */
  stoppedCleanly?: RegExp;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Why the real host cannot run here, or null (scripts/functionsHost.ts says where it is looked for). */
export function realHostMissing(): string | null {
  return functionsHostMissing(ROOT);
}

/**
 * PATH without any folder that holds a `func`, so `npm start` picks the local host even where Core
 * Tools is installed. When such a folder also holds node or npm (a global npm install of Core
 * Tools), those two are linked from a folder of their own instead.
 */
function pathWithoutFunc(pathVariable: string): string {
  const dirs = pathVariable.split(path.delimiter).filter((dir) => dir !== '');
  const kept = dirs.filter((dir) => !existsSync(path.join(dir, 'func')));
  if (kept.length === dirs.length) return pathVariable;
  const tools = mkdtempSync(path.join(tmpdir(), 'no-func-'));
  for (const name of ['node', 'npm']) {
    const from = dirs.find((dir) => readdirSync(dir, { withFileTypes: true }).some((entry) => entry.name === name));
    if (from !== undefined) symlinkSync(path.join(from, name), path.join(tools, name));
  }
  return [tools, ...kept].join(path.delimiter);
}

export const localHost: HostUnderTest = {
  name: 'the local host',
  checksKeys: false,
  environment: (base) => ({ ...base, PATH: pathWithoutFunc(base.PATH ?? '') }),
  startWithinMs: 60_000,
};

export const realHost: HostUnderTest = {
  name: 'the real host',
  checksKeys: true,
  environment: (base) => {
    const suffix = Math.random().toString(36).slice(2, 12);
    return {
      ...base,
      PATH: [path.join(ROOT, 'tools', 'functions-host'), base.PATH ?? ''].join(path.delimiter),
      FUNCTIONS_HOST_DIR: functionsHostDir(ROOT, base),
      // The host's own storage (locks, timer schedules) is the tests' Azurite, under an id of its own,
      // so that two runs, or two hosts of one run, never share a lock.
      AzureWebJobsStorage: base.TASKS_STORAGE,
      AzureFunctionsWebHost__hostid: `e2e-${suffix}`,
      // The host restarts when a .js file of the app folder changes; a developer's build during
      // the run must not restart it under the tests.
      AzureFunctionsJobHost__fileWatchingEnabled: 'false',
    };
  },
  startWithinMs: 180_000,
  // A second signal would make func-start kill the host: npm start must not send one after Ctrl-C.
  stoppedCleanly: /func-start: SIGINT: stopping the host[^\n]*\n(?:(?!again)[\s\S])*func-start: host stopped \(exit code 0\)/,
};

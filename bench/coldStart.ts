import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { median, round } from './stats';

/**
 * Loads the given files in a fresh Node process and reports how long the loading took, from
 * inside the process (so the spawn of Node itself, the same for both, is not counted).
 */
function loadMs(files: string[], env: NodeJS.ProcessEnv): number {
  const script = `const t=process.hrtime.bigint();for(const f of ${JSON.stringify(files)})require(f);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
  const run = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bench: loading failed: ${run.stderr}`);
  return Number(run.stdout.trim());
}

function sizeOf(target: string): number {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((sum, entry) => sum + sizeOf(path.join(target, entry)), 0);
}


export interface ColdStartResult {
  runs: number;
  appLoadMs: number;
  helloLoadMs: number;
  ratio: number;
  packageMB: number;
}

export function measureColdStart(root: string, connectionString: string, runs = 15): ColdStartResult {
  const main = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string }).main;
  const appFiles = [path.join(root, main)];
  const hello = [path.join(root, 'dist', 'bench', 'helloApp.js')];
  const env = { ...process.env, TASKS_STORAGE: connectionString };
  const appTimes: number[] = [];
  const helloTimes: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    appTimes.push(loadMs(appFiles, env));
    helloTimes.push(loadMs(hello, env));
  }
  // What .funcignore lets through: the bundle (without its source maps), host.json, package.json.
  const bundle = path.join(root, 'dist', 'app');
  const bundleBytes = readdirSync(bundle).filter((f) => !f.endsWith('.map')).reduce((sum, f) => sum + sizeOf(path.join(bundle, f)), 0);
  const bytes = bundleBytes + sizeOf(path.join(root, 'host.json')) + sizeOf(path.join(root, 'package.json'));
  const [app, base] = [median(appTimes), median(helloTimes)];
  return { runs, appLoadMs: round(app, 1), helloLoadMs: round(base, 1), ratio: round(app / base), packageMB: round(bytes / 1024 / 1024, 1) };
}

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { azuriteConnectionString } from '../support/storage';

const SCRIPT = path.resolve('scripts/build-if-stale.mjs');
const OUTPUTS = ['dist/app/main.js', 'dist/src/main.js', 'dist/scripts/start.js', 'dist/scripts/seed.js', 'dist/scripts/enqueue.js'];

/** A project tree of empty files, every file at time `at` (seconds). */
function tree(files: readonly string[], at: number): string {
  const root = mkdtempSync(path.join(tmpdir(), 'stale-'));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), '');
  }
  for (const file of files) utimesSync(path.join(root, file), at, at);
  for (const dir of ['src', 'src/storage', 'scripts', 'dist', 'dist/app', 'dist/src', 'dist/scripts']) {
    if (existsSync(path.join(root, dir))) utimesSync(path.join(root, dir), at, at);
  }
  return root;
}

function check(root: string): { status: number | null; said: string } {
  const run = spawnSync(process.execPath, [SCRIPT, '--check'], { cwd: root, encoding: 'utf8' });
  return { status: run.status, said: run.stdout.trim() };
}

describe('the build-if-stale check before npm start, seed and enqueue', () => {
  const sources = ['package.json', 'tsconfig.json', 'src/main.ts', 'src/storage/keys.ts', 'scripts/start.ts'];

  it('is fresh when every output is newer than every source, and names what is missing or changed otherwise', () => {
    const root = tree([...sources, ...OUTPUTS], 1_000_000);
    try {
      for (const output of OUTPUTS) utimesSync(path.join(root, output), 2_000_000, 2_000_000);
      expect(check(root)).toEqual({ status: 0, said: 'fresh' });

      utimesSync(path.join(root, 'src/storage/keys.ts'), 3_000_000, 3_000_000);
      expect(check(root)).toEqual({ status: 1, said: `${path.join('src', 'storage', 'keys.ts')} changed since the last build` });
      utimesSync(path.join(root, 'src/storage/keys.ts'), 1_000_000, 1_000_000);

      // A source removed: its folder's time moves.
      rmSync(path.join(root, 'scripts/start.ts'));
      utimesSync(path.join(root, 'scripts'), 3_000_000, 3_000_000);
      expect(check(root)).toEqual({ status: 1, said: 'scripts changed since the last build' });
      utimesSync(path.join(root, 'scripts'), 1_000_000, 1_000_000);

      rmSync(path.join(root, 'dist/scripts/enqueue.js'));
      expect(check(root)).toEqual({ status: 1, said: 'dist/scripts/enqueue.js is missing' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('is stale on a fresh clone, where nothing is built yet', () => {
    const root = tree(sources, 1_000_000);
    try {
      expect(check(root)).toEqual({ status: 1, said: 'dist/app/main.js is missing' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('lets npm run enqueue on the built tree send its message without building', async () => {
    // The test setup built the tree once.
    expect(check(process.cwd())).toEqual({ status: 0, said: 'fresh' });
    const started = performance.now();
    const { stdout, stderr } = await promisify(execFile)('npm', ['run', 'enqueue', '--', 'job-1', 'task-1'], {
      env: { ...process.env, TASKS_STORAGE: azuriteConnectionString(), TASKS_REACTIVATION_QUEUE: 'build-check-requests' },
    });
    const ms = Math.round(performance.now() - started);
    expect(stderr + stdout).not.toMatch(/building:|bundled dist/);
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ queue: 'build-check-requests' });
    console.log(`npm run enqueue on the built tree took ${ms} ms`);
  });
});

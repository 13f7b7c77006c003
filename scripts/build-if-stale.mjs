// Runs `npm run build` only when the built files are missing or older than what they are built
// from, so that `npm start`, `npm run seed` and `npm run enqueue` answer at once on a built tree and
// still work on a fresh clone. A plain .mjs: it has to run before anything is compiled.
//
//   node scripts/build-if-stale.mjs           build if stale
//   node scripts/build-if-stale.mjs --check   only say: exit 0 when fresh, 1 (and why) when stale
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

/** @typedef {{ ms: number, file: string }} Newest */

/** What the commands run; dist/app/main.js is written last, by the bundle. */
const OUTPUTS = ['dist/app/main.js', 'dist/src/main.js', 'dist/scripts/start.js', 'dist/scripts/seed.js', 'dist/scripts/enqueue.js'];
/** What they are built from (tsconfig.build.json compiles src, scripts and bench). */
const SOURCE_DIRS = ['src', 'scripts', 'bench'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

/** @param {string} file @returns {number | undefined} */
function mtimeOf(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * The newest .ts file or folder under dir (a folder's time changes when a file is added or removed).
 * @param {string} dir @param {Newest} newest @returns {Newest}
 */
function newestUnder(dir, newest) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  let found = newest;
  const own = mtimeOf(dir) ?? 0;
  if (own > found.ms) found = { ms: own, file: dir };
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found = newestUnder(full, found);
    else if (entry.name.endsWith('.ts')) {
      const ms = mtimeOf(full) ?? 0;
      if (ms > found.ms) found = { ms, file: full };
    }
  }
  return found;
}

/**
 * Why the build is stale, or null when every output is newer than every source.
 * @param {string} root @returns {string | null}
 */
function staleReason(root) {
  let oldestOutput = Infinity;
  for (const output of OUTPUTS) {
    const ms = mtimeOf(path.join(root, output));
    if (ms === undefined) return `${output} is missing`;
    oldestOutput = Math.min(oldestOutput, ms);
  }
  /** @type {Newest} */
  let newest = { ms: 0, file: '' };
  for (const dir of SOURCE_DIRS) newest = newestUnder(path.join(root, dir), newest);
  for (const file of SOURCE_FILES) {
    const ms = mtimeOf(path.join(root, file)) ?? 0;
    if (ms > newest.ms) newest = { ms, file: path.join(root, file) };
  }
  return newest.ms > oldestOutput ? `${path.relative(root, newest.file)} changed since the last build` : null;
}

const root = process.cwd();
const reason = staleReason(root);
if (process.argv.includes('--check')) {
  console.log(reason ?? 'fresh');
  process.exitCode = reason === null ? 0 : 1;
} else if (reason !== null) {
  console.error(`building: ${reason}`);
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  process.exitCode = build.status ?? 1;
}

import { spawnSync } from 'node:child_process';

import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

import { startAzurite } from '../../scripts/azurite';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

/**
 * One in-memory Azurite on free ports for the whole run; every test uses its own table or job ids.
 * The tree is built (when stale) once, here: the end-to-end suites then start the app, seed and
 * enqueue without building, so no build rewrites dist/ under a running host (the real host
 * restarts when a .js file of the app folder changes).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`the build failed (exit ${String(build.status)})`);
  const azurite = await startAzurite();
  project.provide('azuriteConnectionString', azurite.connectionString);
  return () => azurite.stop();
}

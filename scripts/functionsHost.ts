import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The open-source Azure Functions host, built from source, that the end-to-end suite and the
 * benchmark run the app under (CI provides it): the folder FUNCTIONS_HOST_DIR names, relative to
 * the project root when relative, by default ../shared/functions-host beside the project.
 */
export function functionsHostDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(root, env.FUNCTIONS_HOST_DIR ?? path.join('..', 'shared', 'functions-host'));
}

/** Why the host cannot be used, or null when its func-start is there. */
export function functionsHostMissing(root: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = functionsHostDir(root, env);
  return existsSync(path.join(dir, 'func-start')) ? null : `no Functions host at ${dir} (func-start not found; set FUNCTIONS_HOST_DIR to its folder)`;
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Core Tools reads its settings from this file; the example is committed, the file is not. */
export const LOCAL_SETTINGS = 'local.settings.json';
export const LOCAL_SETTINGS_EXAMPLE = 'local.settings.example.json';

/**
 * The settings a local run uses, resolved as Core Tools resolves them: the `Values` of
 * local.settings.json (or of the committed example when there is none yet), with every variable
 * of the environment taking precedence. The seed command and the local host both use this, so
 * they always talk to the same storage.
 */
export function localSettings(root: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const file = [LOCAL_SETTINGS, LOCAL_SETTINGS_EXAMPLE].map((name) => path.join(root, name)).find((candidate) => existsSync(candidate));
  const values = file === undefined ? {} : readValues(file);
  const fromEnv = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ...values, ...fromEnv };
}

function readValues(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${path.basename(file)} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const values = (parsed as { Values?: unknown } | null)?.Values;
  if (typeof values !== 'object' || values === null) return {};
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** `UseDevelopmentStorage=true`: the emulator on its standard ports. */
export function isDevelopmentStorage(connectionString: string | undefined): boolean {
  return connectionString !== undefined && /^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i.test(connectionString);
}

/** Where a connection string points, for a message: its table endpoint or account, never its key. */
export function describeConnectionString(connectionString: string): string {
  if (isDevelopmentStorage(connectionString)) return 'http://127.0.0.1:10002/devstoreaccount1 (UseDevelopmentStorage=true)';
  const parts = new Map(
    connectionString
      .split(';')
      .map((part) => part.split('='))
      .filter((pair) => pair.length >= 2)
      .map(([key, ...rest]) => [(key ?? '').trim().toLowerCase(), rest.join('=').trim()]),
  );
  const account = parts.get('accountname');
  const endpoint = parts.get('tableendpoint') ?? (account !== undefined ? `https://${account}.table.${parts.get('endpointsuffix') ?? 'core.windows.net'}` : undefined);
  return endpoint ?? 'the storage of the connection string';
}

/** The project root: where package.json is, whether this runs compiled (dist/scripts) or not. */
export function projectRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

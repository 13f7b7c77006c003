import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

import { startAzurite } from '../../scripts/azurite';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

/** One in-memory Azurite on free ports for the whole run; every test uses its own table or job ids. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide('azuriteConnectionString', azurite.connectionString);
  return () => azurite.stop();
}

import { app } from '@azure/functions';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { SETTING } from '../../src/config';

describe('the HTTP entry point the host loads', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('registers every route of the contract, with a function key required', async () => {
    vi.stubEnv(SETTING.connectionString, 'UseDevelopmentStorage=true');
    const register = vi.spyOn(app, 'http').mockImplementation(() => undefined);
    await import('../../src/functions/http');
    const registered = register.mock.calls.map(([name, options]) => ({ name, route: options.route, methods: options.methods, authLevel: options.authLevel }));
    expect(registered).toEqual([
      { name: 'reactivateTask', route: 'jobs/{jobId}/tasks/{taskId}/reactivate', methods: ['POST'], authLevel: 'function' },
      { name: 'getTask', route: 'jobs/{jobId}/tasks/{taskId}', methods: ['GET'], authLevel: 'function' },
      { name: 'getJob', route: 'jobs/{jobId}', methods: ['GET'], authLevel: 'function' },
      { name: 'terminateJob', route: 'jobs/{jobId}/terminate', methods: ['POST'], authLevel: 'function' },
      { name: 'getTaskHistory', route: 'jobs/{jobId}/tasks/{taskId}/history', methods: ['GET'], authLevel: 'function' },
      { name: 'reactivateFailedTasks', route: 'jobs/{jobId}/reactivate-failed-tasks', methods: ['POST'], authLevel: 'function' },
    ]);
  });

  it('fails at load, naming the setting, when storage is not configured', async () => {
    vi.stubEnv(SETTING.connectionString, '');
    vi.stubEnv(SETTING.tableServiceUri, '');
    vi.spyOn(app, 'http').mockImplementation(() => undefined);
    await expect(import('../../src/functions/http')).rejects.toThrow(/TASKS_STORAGE is required/);
  });
});

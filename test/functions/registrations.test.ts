import { app } from '@azure/functions';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { SETTING } from '../../src/config';

/** What the host sees when it loads the app's entry (package.json `main` is the bundle of src/main.ts). */
describe('the functions the host loads', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('registers every route of the contract, with a function key required except for the API description', async () => {
    vi.stubEnv(SETTING.connectionString, 'UseDevelopmentStorage=true');
    const register = vi.spyOn(app, 'http').mockImplementation(() => undefined);
    vi.spyOn(app, 'storageQueue').mockImplementation(() => undefined);
    vi.spyOn(app, 'timer').mockImplementation(() => undefined);
    await import('../../src/main');
    const registered = register.mock.calls.map(([name, options]) => ({ name, route: options.route, methods: options.methods, authLevel: options.authLevel }));
    expect(registered).toEqual([
      { name: 'reactivateTask', route: 'jobs/{jobId}/tasks/{taskId}/reactivate', methods: ['POST'], authLevel: 'function' },
      { name: 'getTask', route: 'jobs/{jobId}/tasks/{taskId}', methods: ['GET'], authLevel: 'function' },
      { name: 'getJob', route: 'jobs/{jobId}', methods: ['GET'], authLevel: 'function' },
      { name: 'terminateJob', route: 'jobs/{jobId}/terminate', methods: ['POST'], authLevel: 'function' },
      { name: 'getTaskHistory', route: 'jobs/{jobId}/tasks/{taskId}/history', methods: ['GET'], authLevel: 'function' },
      { name: 'reactivateFailedTasks', route: 'jobs/{jobId}/reactivate-failed-tasks', methods: ['POST'], authLevel: 'function' },
      // Discoverable before a client has a key.
      { name: 'openApi', route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous' },
    ]);
  });

  it('fails at load, naming the setting, when storage is not configured', async () => {
    vi.stubEnv(SETTING.connectionString, '');
    vi.stubEnv(SETTING.tableServiceUri, '');
    vi.spyOn(app, 'http').mockImplementation(() => undefined);
    vi.spyOn(app, 'storageQueue').mockImplementation(() => undefined);
    vi.spyOn(app, 'timer').mockImplementation(() => undefined);
    await expect(import('../../src/main')).rejects.toThrow(/TASKS_STORAGE is required/);
  });

  it('registers the reactivation queue trigger on the configured queue, with the app storage connection', async () => {
    vi.stubEnv(SETTING.connectionString, 'UseDevelopmentStorage=true');
    vi.stubEnv(SETTING.reactivationQueueName, 'my-requests');
    vi.spyOn(app, 'http').mockImplementation(() => undefined);
    vi.spyOn(app, 'timer').mockImplementation(() => undefined);
    const register = vi.spyOn(app, 'storageQueue').mockImplementation(() => undefined);
    await import('../../src/main');
    expect(register.mock.calls.map(([name, options]) => ({ name, queueName: options.queueName, connection: options.connection }))).toEqual([
      { name: 'reactivateTaskFromQueue', queueName: 'my-requests', connection: 'TASKS_STORAGE' },
      { name: 'sweepJob', queueName: 'job-sweeps', connection: 'TASKS_STORAGE' },
      { name: 'resumeSweep', queueName: 'job-sweeps-poison', connection: 'TASKS_STORAGE' },
      { name: 'checkOutbox', queueName: 'outbox-checks', connection: 'TASKS_STORAGE' },
      { name: 'resumeOutboxCheck', queueName: 'outbox-checks-poison', connection: 'TASKS_STORAGE' },
      { name: 'expireHistory', queueName: 'history-retention', connection: 'TASKS_STORAGE' },
      { name: 'resumeHistoryExpiry', queueName: 'history-retention-poison', connection: 'TASKS_STORAGE' },
    ]);
  });

  it('registers the termination sweep on the configured sweep queue, and its rescue on that queue\'s poison queue', async () => {
    vi.stubEnv(SETTING.connectionString, 'UseDevelopmentStorage=true');
    vi.stubEnv(SETTING.sweepQueueName, 'my-sweeps');
    vi.spyOn(app, 'http').mockImplementation(() => undefined);
    vi.spyOn(app, 'timer').mockImplementation(() => undefined);
    const register = vi.spyOn(app, 'storageQueue').mockImplementation(() => undefined);
    await import('../../src/main');
    const queues = Object.fromEntries(register.mock.calls.map(([name, options]) => [name, options.queueName]));
    expect(queues).toMatchObject({ sweepJob: 'my-sweeps', resumeSweep: 'my-sweeps-poison' });
  });

  it('registers no timer: an idle app wakes for nothing and makes no storage request of its own', async () => {
    vi.stubEnv(SETTING.connectionString, 'UseDevelopmentStorage=true');
    vi.spyOn(app, 'http').mockImplementation(() => undefined);
    vi.spyOn(app, 'storageQueue').mockImplementation(() => undefined);
    const register = vi.spyOn(app, 'timer').mockImplementation(() => undefined);
    await import('../../src/main');
    expect(register).not.toHaveBeenCalled();
  });
});

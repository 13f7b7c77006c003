import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig, SETTING } from '../src/config';

describe('loadConfig', () => {
  it('takes a connection string (Azurite, local)', () => {
    expect(loadConfig({ [SETTING.connectionString]: 'UseDevelopmentStorage=true' })).toEqual({
      storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      tableName: 'batchtasks',
      reactivationQueueName: 'task-reactivation-requests',
      eventsQueueName: 'task-events',
      sweepQueueName: 'job-sweeps',
      outboxQueueName: 'outbox-checks',
      retentionQueueName: 'history-retention',
      historyRetentionDays: 30,
    });
  });

  it('takes a table endpoint and a managed identity (Azure, no key)', () => {
    const config = loadConfig({
      [SETTING.tableServiceUri]: 'https://acct.table.core.windows.net',
      [SETTING.queueServiceUri]: 'https://acct.queue.core.windows.net',
      [SETTING.credential]: 'managedidentity',
      [SETTING.clientId]: '8c7b4f6e-1f1a-4a55-9d7a-5f0d6b1c2e3f',
      [SETTING.tableName]: 'jobsTable',
      [SETTING.reactivationQueueName]: 'requests',
      [SETTING.eventsQueueName]: 'events',
      [SETTING.sweepQueueName]: 'sweeps',
      [SETTING.outboxQueueName]: 'checks',
      [SETTING.retentionQueueName]: 'retention',
      [SETTING.historyRetentionDays]: '7',
    });
    expect(config).toEqual({
      storage: {
        kind: 'identity',
        tableServiceUri: 'https://acct.table.core.windows.net',
        queueServiceUri: 'https://acct.queue.core.windows.net',
        clientId: '8c7b4f6e-1f1a-4a55-9d7a-5f0d6b1c2e3f',
      },
      tableName: 'jobsTable',
      reactivationQueueName: 'requests',
      eventsQueueName: 'events',
      sweepQueueName: 'sweeps',
      outboxQueueName: 'checks',
      retentionQueueName: 'retention',
      historyRetentionDays: 7,
    });
  });

  it.each([
    [{}, /TASKS_STORAGE is required/],
    [{ [SETTING.connectionString]: 'x', [SETTING.tableServiceUri]: 'https://a.table.core.windows.net' }, /either TASKS_STORAGE or TASKS_STORAGE__tableServiceUri, not both/],
    [{ [SETTING.tableServiceUri]: 'http://a.table.core.windows.net' }, /TASKS_STORAGE__tableServiceUri must be an https:\/\/ URL/],
    [{ [SETTING.tableServiceUri]: 'https://a.table.core.windows.net' }, /TASKS_STORAGE__queueServiceUri is required with TASKS_STORAGE__tableServiceUri/],
    [{ [SETTING.connectionString]: 'x', [SETTING.reactivationQueueName]: 'Upper' }, /TASKS_REACTIVATION_QUEUE must be 3-56 lower-case/],
    [{ [SETTING.connectionString]: 'x', [SETTING.eventsQueueName]: 'a--b' }, /TASKS_EVENTS_QUEUE must be 3-56 lower-case/],
    [{ [SETTING.tableServiceUri]: 'https://a.table.core.windows.net', [SETTING.clientId]: 'nope' }, /TASKS_STORAGE__clientId must be the client id/],
    [{ [SETTING.tableServiceUri]: 'https://a.table.core.windows.net', [SETTING.queueServiceUri]: 'https://a.queue.core.windows.net', [SETTING.credential]: 'key' }, /TASKS_STORAGE__credential must be "managedidentity"/],
    [{ [SETTING.connectionString]: 'x', [SETTING.tableName]: 'no-dashes' }, /TASKS_TABLE_NAME must be 3-63 letters or digits/],
    [{ [SETTING.connectionString]: 'x', [SETTING.tableName]: 'Tables' }, /TASKS_TABLE_NAME "tables" is reserved/],
    [{ [SETTING.connectionString]: 'x', [SETTING.sweepQueueName]: 'x' }, /TASKS_SWEEP_QUEUE must be 3-56 lower-case/],
    [{ [SETTING.connectionString]: 'x', [SETTING.historyRetentionDays]: '2.5' }, /TASKS_HISTORY_RETENTION_DAYS must be a whole number of days/],
    [{ [SETTING.connectionString]: 'x', [SETTING.historyRetentionDays]: 'forever' }, /TASKS_HISTORY_RETENTION_DAYS must be a whole number of days/],
    [{ [SETTING.connectionString]: 'x', [SETTING.historyRetentionDays]: '0' }, /TASKS_HISTORY_RETENTION_DAYS must be at least 1 day/],
  ])('refuses %o, naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never repeats a connection string in its message', () => {
    const secret = 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0';
    try {
      loadConfig({ [SETTING.connectionString]: secret, [SETTING.tableName]: '!' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('AccountKey');
    }
  });
});

describe('local.settings.example.json', () => {
  it('holds every setting the app needs, with Azurite defaults', async () => {
    const { readFile } = await import('node:fs/promises');
    const example = JSON.parse(await readFile('local.settings.example.json', 'utf8')) as { Values: Record<string, string> };
    expect(loadConfig(example.Values)).toMatchObject({ storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' }, tableName: 'batchtasks' });
    expect(Object.values(SETTING).filter((name) => !name.includes('__') && !(name in example.Values))).toEqual([]);
    expect(example.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    expect(example.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
  });
});

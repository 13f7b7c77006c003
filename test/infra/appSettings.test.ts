import { describe, expect, it } from 'vitest';

import {
  DEFAULT_EVENTS_QUEUE_NAME,
  DEFAULT_OUTBOX_QUEUE_NAME,
  DEFAULT_REACTIVATION_QUEUE_NAME,
  DEFAULT_RETENTION_QUEUE_NAME,
  DEFAULT_SWEEP_QUEUE_NAME,
  DEFAULT_TABLE_NAME,
  loadConfig,
  SETTING,
} from '../../src/config';
import { compiledTemplate, Dynamic, type Value } from './arm';
import { idOf, accountNameOf, at, leafName, ofType, single, storageAccounts, textOf } from './helpers';

/**
 * The function app's settings as the template writes them, each either a literal or a Dynamic
 * that names what it is read from at deploy time.
 */
function armAppSettings(): Map<string, Value> {
  const list = at(single('Microsoft.Web/sites').value, 'properties', 'siteConfig', 'appSettings');
  expect(Array.isArray(list), 'siteConfig.appSettings is a literal list').toBe(true);
  const settings = new Map<string, Value>();
  for (const entry of list as Value[]) {
    const name = textOf(at(entry, 'name'));
    expect(typeof at(entry, 'name'), `app setting ${name} has a literal name`).toBe('string');
    expect(settings.has(name), `${name} is set once`).toBe(false);
    settings.set(name, at(entry, 'value') ?? null);
  }
  return settings;
}

const SAMPLE = {
  clientId: '00000000-0000-4000-8000-000000000001',
  data: {
    blob: 'https://data.blob.core.windows.net/',
    queue: 'https://data.queue.core.windows.net/',
    table: 'https://data.table.core.windows.net/',
  },
  host: {
    blob: 'https://host.blob.core.windows.net/',
    queue: 'https://host.queue.core.windows.net/',
    table: 'https://host.table.core.windows.net/',
  },
  resourceToken: 'token00000001',
  retentionDays: '30',
  appInsights: 'InstrumentationKey=00000000-0000-4000-8000-000000000002;IngestionEndpoint=https://example.invalid/',
};

/** An endpoint read from a storage account: the account's id expression and the service. */
const ENDPOINT = /^reference\((resourceId\('Microsoft\.Storage\/storageAccounts', .+\)), '[\d-]+'\)\.primaryEndpoints\.(blob|queue|table)$/;

/**
 * Which of the two accounts an endpoint expression reads: its account id is evaluated where the
 * site is declared, so a module parameter wired to the other account resolves to that account.
 */
function accountRead(expression: string): 'data' | 'host' {
  const site = single('Microsoft.Web/sites');
  if (site.module === undefined) throw new Error('the site is expected inside a module');
  const id = textOf(compiledTemplate().evaluateIn(site.module, expression));
  const { data, host } = storageAccounts();
  if (id === idOf(data)) return 'data';
  if (id === idOf(host)) return 'host';
  throw new Error(`${expression} is the id of neither storage account: ${id}`);
}

/**
 * Stands in a sample for each deploy-time part, chosen by what the expression reads (not by the
 * setting's name), so a setting wired to the wrong account, endpoint or identity gets the wrong sample.
 */
function sampleFor(expression: string): string {
  const endpoint = ENDPOINT.exec(expression);
  if (endpoint) {
    const [, account = '', service = ''] = endpoint;
    return SAMPLE[accountRead(account)][service as 'blob' | 'queue' | 'table'];
  }
  if (/^toLower\(uniqueString\(subscription\(\)\.id, parameters\('environmentName'\), parameters\('location'\)\)\)$/.test(expression)) return SAMPLE.resourceToken;
  if (/'identity'\), '[\d-]+'\)\.outputs\.clientId\.value$/.test(expression)) return SAMPLE.clientId;
  if (/Microsoft\.Insights\/components.*\.ConnectionString$/.test(expression)) return SAMPLE.appInsights;
  if (/^string\(parameters\('historyRetentionDays'\)\)$/.test(expression)) return SAMPLE.retentionDays;
  throw new Error(`no sample for the deploy-time value ${expression}`);
}

function concrete(value: Value): string {
  if (typeof value === 'string') return value;
  if (value instanceof Dynamic) {
    return value.text.includes('«') ? value.text.replace(/«([^»]*)»/g, (_match, inner: string) => sampleFor(inner)) : sampleFor(value.text);
  }
  throw new Error(`app setting value is not a string: ${JSON.stringify(value)}`);
}

function appSettingsAsEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries([...armAppSettings()].map(([name, value]) => [name, concrete(value)]));
}

describe('infra: app settings satisfy src/config.ts', () => {
  it('loadConfig accepts them and picks the managed identity', () => {
    const config = loadConfig(appSettingsAsEnv());
    expect(config.storage).toEqual({
      kind: 'identity',
      tableServiceUri: SAMPLE.data.table,
      queueServiceUri: SAMPLE.data.queue,
      clientId: SAMPLE.clientId,
    });
    expect(config.tableName).toBe(DEFAULT_TABLE_NAME);
    expect(config.reactivationQueueName).toBe(DEFAULT_REACTIVATION_QUEUE_NAME);
    expect(config.eventsQueueName).toBe(DEFAULT_EVENTS_QUEUE_NAME);
  });

  it('sets every setting the app reads, by its exact name, except the local-only connection string', () => {
    const settings = armAppSettings();
    const needed = Object.values(SETTING).filter((name) => name !== SETTING.connectionString);
    expect(needed.filter((name) => !settings.has(name)), 'SETTING names missing from the Bicep app settings').toEqual([]);
    expect(settings.get(SETTING.credential)).toBe('managedidentity');
  });

  it('never sets the TASKS_STORAGE connection string, nor any plain connection string for storage', () => {
    const settings = armAppSettings();
    expect(settings.has(SETTING.connectionString)).toBe(false);
    expect(settings.has('AzureWebJobsStorage')).toBe(false);
    for (const [name, value] of settings) {
      expect(textOf(value), name).not.toMatch(/AccountKey=|SharedAccessSignature=|UseDevelopmentStorage/i);
    }
  });

  it('gives the queue-trigger connection (TASKS_STORAGE prefix) the data account\'s queue endpoint and the identity', () => {
    const env = appSettingsAsEnv();
    expect(env[`${SETTING.connectionString}__queueServiceUri`]).toBe(SAMPLE.data.queue);
    expect(env[SETTING.tableServiceUri]).toBe(SAMPLE.data.table);
    expect(env[SETTING.clientId]).toBe(SAMPLE.clientId);
  });

  it('connects the host to its own account with the same identity, no keys', () => {
    const env = appSettingsAsEnv();
    expect(env.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(env.AzureWebJobsStorage__clientId).toBe(SAMPLE.clientId);
    expect(env.AzureWebJobsStorage__blobServiceUri).toBe(SAMPLE.host.blob);
  });

  it('points every AzureWebJobsStorage endpoint at the host account and every TASKS_STORAGE one at the data account', () => {
    const env = appSettingsAsEnv();
    const endpoints = Object.entries(env).filter(([name]) => /__(blob|queue|table)ServiceUri$/.test(name));
    const hostEndpoints = endpoints.filter(([name]) => name.startsWith('AzureWebJobsStorage__'));
    const dataEndpoints = endpoints.filter(([name]) => name.startsWith(`${SETTING.connectionString}__`));
    expect(hostEndpoints.length + dataEndpoints.length, 'no storage endpoint under another prefix').toBe(endpoints.length);
    expect(hostEndpoints.length).toBeGreaterThan(0);
    expect(dataEndpoints.length).toBeGreaterThan(0);
    for (const [name, value] of hostEndpoints) expect(Object.values(SAMPLE.host), name).toContain(value);
    for (const [name, value] of dataEndpoints) expect(Object.values(SAMPLE.data), name).toContain(value);
    // An account name would make the host derive every endpoint itself, bypassing the URIs above.
    expect(Object.keys(env).filter((name) => name.endsWith('__accountName'))).toEqual([]);
  });

  it('deploys the package to the host account\'s container, through its blob endpoint', () => {
    const site = single('Microsoft.Web/sites');
    const value = concrete(at(site.value, 'properties', 'functionAppConfig', 'deployment', 'storage', 'value') ?? null);
    const container = single('Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(value).toBe(`${SAMPLE.host.blob}${concrete(new Dynamic(leafName(container)))}`);
    expect(accountNameOf(container)).toBe(textOf(storageAccounts().host.value.name));
  });

  it('sends telemetry with Entra auth as the identity, and lets DefaultAzureCredential pick it', () => {
    const env = appSettingsAsEnv();
    expect(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe(`ClientId=${SAMPLE.clientId};Authorization=AAD`);
    expect(env.APPLICATIONINSIGHTS_CONNECTION_STRING).toBe(SAMPLE.appInsights);
    expect(env.AZURE_CLIENT_ID).toBe(SAMPLE.clientId);
  });

  it('reads the client id from the one user-assigned identity', () => {
    expect(ofType('Microsoft.ManagedIdentity/userAssignedIdentities')).toHaveLength(1);
    // sampleFor() accepts only the identity module's clientId output; that output must be the
    // user-assigned identity's client id.
    const clientIdOutput = textOf(compiledTemplate().moduleOutputs('identity').clientId);
    expect(clientIdOutput).toMatch(/Microsoft\.ManagedIdentity\/userAssignedIdentities.*\.clientId$/);
  });

  it('sets none of the app settings that Flex Consumption rejects or ignores', () => {
    const settings = armAppSettings();
    for (const name of [
      'FUNCTIONS_WORKER_RUNTIME',
      'FUNCTIONS_EXTENSION_VERSION',
      'WEBSITE_NODE_DEFAULT_VERSION',
      'WEBSITE_RUN_FROM_PACKAGE',
      'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
      'WEBSITE_CONTENTSHARE',
      'SCM_DO_BUILD_DURING_DEPLOYMENT',
      'ENABLE_ORYX_BUILD',
    ]) {
      expect(settings.has(name), name).toBe(false);
    }
  });
});

describe('infra: storage names match the app', () => {
  it('creates the table the app defaults to, and tells the app its name', () => {
    const tables = ofType('Microsoft.Storage/storageAccounts/tableServices/tables').map(leafName);
    expect(tables).toEqual([DEFAULT_TABLE_NAME]);
    expect(armAppSettings().get(SETTING.tableName)).toBe(DEFAULT_TABLE_NAME);
  });

  it('creates every queue the app uses: the trigger queues with their poison queues, and the events queue', () => {
    const queues = ofType('Microsoft.Storage/storageAccounts/queueServices/queues').map(leafName);
    expect(queues.sort()).toEqual(
      [
        DEFAULT_REACTIVATION_QUEUE_NAME,
        `${DEFAULT_REACTIVATION_QUEUE_NAME}-poison`,
        DEFAULT_EVENTS_QUEUE_NAME,
        DEFAULT_SWEEP_QUEUE_NAME,
        `${DEFAULT_SWEEP_QUEUE_NAME}-poison`,
        DEFAULT_OUTBOX_QUEUE_NAME,
        `${DEFAULT_OUTBOX_QUEUE_NAME}-poison`,
        DEFAULT_RETENTION_QUEUE_NAME,
        `${DEFAULT_RETENTION_QUEUE_NAME}-poison`,
      ].sort(),
    );
  });

  it('tells the app the names of the queues it creates', () => {
    const settings = armAppSettings();
    expect(settings.get(SETTING.reactivationQueueName)).toBe(DEFAULT_REACTIVATION_QUEUE_NAME);
    expect(settings.get(SETTING.eventsQueueName)).toBe(DEFAULT_EVENTS_QUEUE_NAME);
    expect(settings.get(SETTING.sweepQueueName)).toBe(DEFAULT_SWEEP_QUEUE_NAME);
    expect(settings.get(SETTING.outboxQueueName)).toBe(DEFAULT_OUTBOX_QUEUE_NAME);
    expect(settings.get(SETTING.retentionQueueName)).toBe(DEFAULT_RETENTION_QUEUE_NAME);
  });
});

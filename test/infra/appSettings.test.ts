import { describe, expect, it } from 'vitest';

import {
  DEFAULT_EVENTS_QUEUE_NAME,
  DEFAULT_REACTIVATION_QUEUE_NAME,
  DEFAULT_TABLE_NAME,
  loadConfig,
  SETTING,
} from '../../src/config';
import { compiledTemplate, Dynamic, type Value } from './arm';
import { at, leafName, ofType, single, textOf } from './helpers';

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
  blob: 'https://acct.blob.core.windows.net/',
  queue: 'https://acct.queue.core.windows.net/',
  table: 'https://acct.table.core.windows.net/',
  retentionDays: '30',
  appInsights: 'InstrumentationKey=00000000-0000-4000-8000-000000000002;IngestionEndpoint=https://example.invalid/',
};

/**
 * Stands in a sample for each deploy-time part, chosen by what the expression reads (not by the
 * setting's name), so a setting wired to the wrong endpoint or identity gets the wrong sample.
 */
function sampleFor(expression: string): string {
  if (/\.primaryEndpoints\.table$/.test(expression)) return SAMPLE.table;
  if (/\.primaryEndpoints\.queue$/.test(expression)) return SAMPLE.queue;
  if (/\.primaryEndpoints\.blob$/.test(expression)) return SAMPLE.blob;
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
    expect(config.storage).toEqual({ kind: 'identity', tableServiceUri: SAMPLE.table, queueServiceUri: SAMPLE.queue, clientId: SAMPLE.clientId });
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

  it('gives the queue-trigger connection (TASKS_STORAGE prefix) the queue endpoint and the identity', () => {
    const env = appSettingsAsEnv();
    expect(env[`${SETTING.connectionString}__queueServiceUri`]).toBe(SAMPLE.queue);
    expect(env[SETTING.tableServiceUri]).toBe(SAMPLE.table);
    expect(env[SETTING.clientId]).toBe(SAMPLE.clientId);
  });

  it('connects the host to its storage with the same identity, no keys', () => {
    const env = appSettingsAsEnv();
    expect(env.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(env.AzureWebJobsStorage__clientId).toBe(SAMPLE.clientId);
    expect(env.AzureWebJobsStorage__blobServiceUri).toBe(SAMPLE.blob);
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

  it('creates the reactivation queue, its poison queue and the events queue', () => {
    const queues = ofType('Microsoft.Storage/storageAccounts/queueServices/queues').map(leafName);
    expect(queues.sort()).toEqual(
      [DEFAULT_REACTIVATION_QUEUE_NAME, `${DEFAULT_REACTIVATION_QUEUE_NAME}-poison`, DEFAULT_EVENTS_QUEUE_NAME].sort(),
    );
  });
});

import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { compiledTemplate, Dynamic } from './arm';
import { accountNameOf, at, leafName, ofType, single, storageAccounts, textOf } from './helpers';

describe('infra: keys and connection strings', () => {
  it('never reads a key or builds a key-based connection string', () => {
    const { text } = compiledTemplate();
    expect(text).not.toMatch(/listKeys|listAccountSas|listServiceSas|listSecrets|AccountKey=|SharedAccessSignature=/i);
  });

  it('turns shared-key access off on both storage accounts and makes Entra the default', () => {
    const { data, host } = storageAccounts();
    for (const storage of [data, host]) {
      expect(storage.value.kind, textOf(storage.value.name)).toBe('StorageV2');
      expect(storage.value.properties, textOf(storage.value.name)).toMatchObject({
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowBlobPublicAccess: false,
        allowCrossTenantReplication: false,
        minimumTlsVersion: 'TLS1_2',
        supportsHttpsTrafficOnly: true,
      });
    }
    expect(host.value.properties, 'the same hardening on both accounts').toEqual(data.value.properties);
  });

  it('keeps every blob container private', () => {
    const containers = ofType('Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(containers.length).toBeGreaterThan(0);
    for (const container of containers) expect(at(container.value, 'properties', 'publicAccess')).toBe('None');
  });

  it('disables local (key) auth on Application Insights and Log Analytics', () => {
    expect(at(single('Microsoft.Insights/components').value, 'properties', 'DisableLocalAuth')).toBe(true);
    expect(at(single('Microsoft.OperationalInsights/workspaces').value, 'properties', 'features', 'disableLocalAuth')).toBe(true);
  });
});

describe('infra: storage redundancy and the account split', () => {
  const allowedSkus = ['Standard_GZRS', 'Standard_LRS', 'Standard_ZRS'];

  it('makes the data account zone-redundant by default', () => {
    expect(storageAccounts().data.value.sku).toEqual({ name: 'Standard_ZRS' });
    expect(compiledTemplate().raw.parameters?.dataStorageSku?.defaultValue).toBe('Standard_ZRS');
  });

  it('lets dataStorageSku choose exactly ZRS, GZRS or LRS', () => {
    const allowed = compiledTemplate().raw.parameters?.dataStorageSku?.allowedValues;
    expect([...(allowed ?? [])].sort()).toEqual(allowedSkus);
  });

  it.each(allowedSkus)('gives %s to the data account alone; the host account stays zone-redundant', (sku) => {
    const { data, host } = storageAccounts(compiledTemplate({ dataStorageSku: sku }));
    expect(data.value.sku).toEqual({ name: sku });
    expect(host.value.sku).toEqual({ name: 'Standard_ZRS' });
  });

  it('keeps blobs in the host account and the table and queues in the data account', () => {
    const { data, host } = storageAccounts();
    const accountOf = (type: string): string[] => [...new Set(ofType(type).map(accountNameOf))];
    expect(accountOf('Microsoft.Storage/storageAccounts/blobServices/containers')).toEqual([textOf(host.value.name)]);
    expect(accountOf('Microsoft.Storage/storageAccounts/tableServices/tables')).toEqual([textOf(data.value.name)]);
    expect(accountOf('Microsoft.Storage/storageAccounts/queueServices/queues')).toEqual([textOf(data.value.name)]);
    // Host account: no table or queue service at all; data account: no blob service.
    expect(accountOf('Microsoft.Storage/storageAccounts/tableServices')).toEqual([textOf(data.value.name)]);
    expect(accountOf('Microsoft.Storage/storageAccounts/queueServices')).toEqual([textOf(data.value.name)]);
    expect(accountOf('Microsoft.Storage/storageAccounts/blobServices')).toEqual([textOf(host.value.name)]);
  });
});

describe('infra: the function app', () => {
  it('runs on a Flex Consumption (FC1) Linux plan', () => {
    const plan = single('Microsoft.Web/serverfarms');
    expect(plan.value.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(at(plan.value, 'properties', 'reserved')).toBe(true);
    expect(single('Microsoft.Web/sites').value.kind).toBe('functionapp,linux');
  });

  it('runs Node 22, spelled exactly as the Flex runtime catalog spells it', () => {
    const runtime = at(single('Microsoft.Web/sites').value, 'properties', 'functionAppConfig', 'runtime');
    expect(runtime).toStrictEqual({ name: 'node', version: '22' });
  });

  it('accepts HTTPS only, TLS 1.2 at least', () => {
    const site = single('Microsoft.Web/sites');
    expect(at(site.value, 'properties', 'httpsOnly')).toBe(true);
    expect(at(site.value, 'properties', 'siteConfig', 'minTlsVersion')).toBe('1.2');
  });

  it('sets none of the site properties that Flex Consumption rejects', () => {
    const siteConfig = at(single('Microsoft.Web/sites').value, 'properties', 'siteConfig');
    const keys = Object.keys(siteConfig as object).map((key) => key.toLowerCase());
    for (const rejected of [
      'ftpsstate',
      'alwayson',
      'linuxfxversion',
      'use32bitworkerprocess',
      'prewarmedinstancecount',
      'functionappscalelimit',
      'netframeworkversion',
      'javaversion',
      'powershellversion',
      'windowsfxversion',
      'vnetrouteallenabled',
    ]) {
      expect(keys, rejected).not.toContain(rejected);
    }
  });

  it('switches basic-auth publishing off for both ftp and scm', () => {
    const policies = ofType('Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map(leafName).sort()).toEqual(['ftp', 'scm']);
    for (const policy of policies) expect(at(policy.value, 'properties', 'allow')).toBe(false);
  });

  it('has exactly one identity, user-assigned, and deploys its package with that identity', () => {
    const site = single('Microsoft.Web/sites');
    expect(at(site.value, 'identity', 'type')).toBe('UserAssigned');
    const identities = Object.keys(at(site.value, 'identity', 'userAssignedIdentities') as object);
    expect(identities).toHaveLength(1);

    const storage = at(site.value, 'properties', 'functionAppConfig', 'deployment', 'storage');
    expect(at(storage, 'type')).toBe('blobContainer');
    expect(at(storage, 'authentication', 'type')).toBe('UserAssignedIdentity');
    expect(renderKey(at(storage, 'authentication', 'userAssignedIdentityResourceId'))).toBe(identities[0]);
    expect(at(storage, 'authentication')).not.toHaveProperty('storageAccountConnectionStringName');
  });

  it('points deployment storage at the pre-created container, through the account blob endpoint', () => {
    const value = textOf(at(single('Microsoft.Web/sites').value, 'properties', 'functionAppConfig', 'deployment', 'storage', 'value'));
    const container = leafName(single('Microsoft.Storage/storageAccounts/blobServices/containers'));
    expect(value).toMatch(/primaryEndpoints\.blob»/);
    expect(value.endsWith(container)).toBe(true);
  });

  it('is tagged for azd as the api service', () => {
    expect(at(single('Microsoft.Web/sites').value, 'tags', 'azd-service-name')).toBe('api');
  });
});

describe('infra: deployment entry points', () => {
  it('main.parameters.json feeds every required parameter from azd variables, and nothing unknown', () => {
    const parameters = (JSON.parse(readFileSync('infra/main.parameters.json', 'utf8')) as { parameters: Record<string, { value: unknown }> })
      .parameters;
    const declared = compiledTemplate().raw.parameters ?? {};
    const required = Object.entries(declared)
      .filter(([, parameter]) => parameter.defaultValue === undefined)
      .map(([name]) => name);
    expect(Object.keys(parameters).sort()).toEqual(expect.arrayContaining(required.sort()));
    for (const name of Object.keys(parameters)) expect(Object.keys(declared)).toContain(name);
    expect(parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(parameters.location?.value).toBe('${AZURE_LOCATION}');
  });

  it('azure.yaml deploys the project root as the ts function service api', () => {
    const yaml = readFileSync('azure.yaml', 'utf8');
    expect(yaml).toMatch(/^services:\n {2}api:\n(?: {4}.*\n)*? {4}project: \.\n/m);
    expect(yaml).toMatch(/^ {4}language: ts$/m);
    expect(yaml).toMatch(/^ {4}host: function$/m);
  });
});

/** Object keys are rendered with «…» around unknown parts; match a value rendered the same way. */
function renderKey(value: unknown): string {
  if (value instanceof Dynamic) return value.text.includes('«') ? value.text : `«${value.text}»`;
  return String(value);
}

import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';

import type { StorageConnection } from '../config';
import { createMissingTablePolicy, onceCreated } from './createOnFirstUse';
import { managedIdentityCredential } from './credential';
import { requestMeterPolicy } from './requestMeter';
import { retryStalledTriesPolicy } from './stalledTries';

/**
 * SDK retries stay short so that they fit inside a request's deadline (30 s at most): the service's
 * own loop, which re-reads before it tries again, is what decides the outcome of a write.
 */
const RETRY_OPTIONS = { maxRetries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 2_000 };

/**
 * `policies` are placed per retry, after the request meter: tests inject faults and delays there.
 * A request that finds the table missing creates it (createOnFirstUse.ts) through a second client,
 * built on that first need only, whose requests pass through the same meter and policies.
 */
export function createTableClient(storage: StorageConnection, tableName: string, policies: PipelinePolicy[] = []): TableClient {
  const build = tableClientFactory(storage, tableName);
  const createTable = onceCreated(() => build([requestMeterPolicy, ...policies]).createTable());
  return build([createMissingTablePolicy(createTable), requestMeterPolicy, ...policies]);
}

function tableClientFactory(storage: StorageConnection, tableName: string): (policies: PipelinePolicy[]) => TableClient {
  if (storage.kind === 'connectionString') {
    // Azurite speaks plain HTTP; the SDK only allows that when told to (UseDevelopmentStorage=true
    // sets it by itself, an explicit Azurite connection string does not).
    const insecure = /(^|;)\s*(UseDevelopmentStorage=true|DefaultEndpointsProtocol=http)\s*(;|$)/i.test(storage.connectionString);
    return (policies) => TableClient.fromConnectionString(storage.connectionString, tableName, { ...optionsWith(policies), allowInsecureConnection: insecure });
  }
  const credential = managedIdentityCredential(storage.clientId);
  return (policies) => new TableClient(storage.tableServiceUri, tableName, credential, optionsWith(policies));
}

function optionsWith(policies: PipelinePolicy[]): TableServiceClientOptions {
  return {
    retryOptions: RETRY_OPTIONS,
    additionalPolicies: [{ policy: retryStalledTriesPolicy(), position: 'perCall' as const }, ...policies.map((policy) => ({ policy, position: 'perRetry' as const }))],
  };
}

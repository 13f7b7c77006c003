import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';

import type { StorageConnection } from '../config';
import { managedIdentityCredential } from './credential';
import { requestMeterPolicy } from './requestMeter';

/**
 * SDK retries stay short so that they fit inside a request's deadline (30 s at most): the service's
 * own loop, which re-reads before it tries again, is what decides the outcome of a write.
 */
const RETRY_OPTIONS = { maxRetries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 2_000 };

/** `policies` are placed per retry, after the request meter: tests inject faults and delays there. */
export function createTableClient(storage: StorageConnection, tableName: string, policies: PipelinePolicy[] = []): TableClient {
  const options: TableServiceClientOptions = {
    retryOptions: RETRY_OPTIONS,
    additionalPolicies: [requestMeterPolicy, ...policies].map((policy) => ({ policy, position: 'perRetry' as const })),
  };
  if (storage.kind === 'connectionString') {
    // Azurite speaks plain HTTP; the SDK only allows that when told to (UseDevelopmentStorage=true
    // sets it by itself, an explicit Azurite connection string does not).
    const insecure = /(^|;)\s*(UseDevelopmentStorage=true|DefaultEndpointsProtocol=http)\s*(;|$)/i.test(storage.connectionString);
    return TableClient.fromConnectionString(storage.connectionString, tableName, { ...options, allowInsecureConnection: insecure });
  }
  const credential = managedIdentityCredential(storage.clientId);
  return new TableClient(storage.tableServiceUri, tableName, credential, options);
}

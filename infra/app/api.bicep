// The Flex Consumption (FC1) plan and the Linux function app on Node 22.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param dataStorageAccountName string
param hostStorageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param tableName string
param reactivationQueueName string
param eventsQueueName string
param sweepQueueName string
param outboxQueueName string
param retentionQueueName string
param historyRetentionDays int
param maximumInstanceCount int
param instanceMemoryMB int

resource dataStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: dataStorageAccountName
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: hostStorageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// Identity-based connections only. The host's storage (AzureWebJobsStorage) points at the host
// account, the app's storage (TASKS_STORAGE, read by src/config.ts and used as the queue triggers'
// connection, so poison queues land there too) at the data account; each prefix has credential +
// clientId so that the user-assigned identity is used. TASKS_STORAGE itself (a connection string)
// is for local runs only and is deliberately absent. Flex Consumption rejects or ignores FUNCTIONS_WORKER_RUNTIME,
// WEBSITE_NODE_DEFAULT_VERSION and friends: the runtime is set in functionAppConfig instead.
var appSettings = [
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  { name: 'AzureWebJobsStorage__blobServiceUri', value: hostStorage.properties.primaryEndpoints.blob }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
  { name: 'TASKS_STORAGE__credential', value: 'managedidentity' }
  { name: 'TASKS_STORAGE__clientId', value: identityClientId }
  { name: 'TASKS_STORAGE__tableServiceUri', value: dataStorage.properties.primaryEndpoints.table }
  { name: 'TASKS_STORAGE__queueServiceUri', value: dataStorage.properties.primaryEndpoints.queue }
  { name: 'TASKS_TABLE_NAME', value: tableName }
  { name: 'TASKS_REACTIVATION_QUEUE', value: reactivationQueueName }
  { name: 'TASKS_EVENTS_QUEUE', value: eventsQueueName }
  { name: 'TASKS_SWEEP_QUEUE', value: sweepQueueName }
  { name: 'TASKS_OUTBOX_QUEUE', value: outboxQueueName }
  { name: 'TASKS_RETENTION_QUEUE', value: retentionQueueName }
  { name: 'TASKS_HISTORY_RETENTION_DAYS', value: string(historyRetentionDays) }
]

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Flex Consumption sites reject ftpsState, alwaysOn, linuxFxVersion and similar site settings;
    // FTP is not offered on Flex at all, and basic auth is switched off below.
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: appSettings
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'node'
        version: '22'
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
    }
  }

  // No publishing with user names and passwords: azd and Core Tools deploy with Entra tokens.
  resource ftpBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'

// One storage account for the Functions host, the deployment package and the app's data.
// Shared keys are off: every client, the host included, signs in with the managed identity.
param name string
param location string
param tags object
param deploymentContainerName string
param tableName string
param reactivationQueueName string
param eventsQueueName string

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowedCopyScope: 'AAD'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    // Flex Consumption without VNet integration reaches storage over its public endpoint; the
    // AzureServices bypass does not cover it, so the network stays open and Entra-only auth guards it.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    // Flex Consumption reads the app package from here; it must exist before the first deploy.
    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource reactivationQueue 'queues' = {
      name: reactivationQueueName
    }

    // Pre-created so that the queue trigger can be granted rights on this queue alone.
    resource reactivationPoisonQueue 'queues' = {
      name: '${reactivationQueueName}-poison'
    }

    resource eventsQueue 'queues' = {
      name: eventsQueueName
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource table 'tables' = {
      name: tableName
    }
  }
}

output name string = storage.name

// Two storage accounts: the app's data (the task table and the app's queues), and the Functions
// host's own state (AzureWebJobsStorage: keys, locks, timer state) with the deployment package.
// Apart so that the host's constant lease and lock traffic never competes with the data partitions
// for the account's throughput, and so that the data's redundancy can be chosen on its own.
// Shared keys are off on both: every client, the host included, signs in with the managed identity.
param dataName string
param hostName string
param location string
param tags object
param dataSku string
param deploymentContainerName string
param tableName string
param reactivationQueueName string
param eventsQueueName string
param sweepQueueName string
param outboxQueueName string
param retentionQueueName string

// Standard_ZRS, whatever the data account uses. The app cannot run without the host's blobs:
// function keys, the locks and timer schedule state, and the package every new instance loads. If a
// zone outage took them, the app would stop however redundant its data, and Azure Functions asks for
// zone-redundant host storage for zone-redundant apps. Not geo-redundant: this state serves only the
// app in this region; a rebuild in another region starts with a new account and a fresh deploy.
var hostSku = 'Standard_ZRS'

// The same hardening on both accounts.
var hardenedProperties = {
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

resource dataStorage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: dataName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: dataSku
  }
  properties: hardenedProperties

  resource queueService 'queueServices' = {
    name: 'default'

    resource reactivationQueue 'queues' = {
      name: reactivationQueueName
    }

    // Pre-created so that the queue trigger can be granted rights on this queue alone (the host
    // would otherwise create it on first use, which needs rights on the whole account).
    resource reactivationPoisonQueue 'queues' = {
      name: '${reactivationQueueName}-poison'
    }

    resource eventsQueue 'queues' = {
      name: eventsQueueName
    }

    // The app's own background work, each queue read by a queue trigger and with its poison queue
    // pre-created for the same reason as above: the identity may not create queues.
    resource sweepQueue 'queues' = {
      name: sweepQueueName
    }

    resource sweepPoisonQueue 'queues' = {
      name: '${sweepQueueName}-poison'
    }

    resource outboxQueue 'queues' = {
      name: outboxQueueName
    }

    resource outboxPoisonQueue 'queues' = {
      name: '${outboxQueueName}-poison'
    }

    resource retentionQueue 'queues' = {
      name: retentionQueueName
    }

    resource retentionPoisonQueue 'queues' = {
      name: '${retentionQueueName}-poison'
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource table 'tables' = {
      name: tableName
    }
  }
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: hostName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: hostSku
  }
  properties: hardenedProperties

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
}

output dataName string = dataStorage.name
output hostName string = hostStorage.name

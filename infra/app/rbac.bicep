// Least-privilege data-plane roles for the app's identity, each on the narrowest scope Azure allows.
param identityName string
param dataStorageAccountName string
param hostStorageAccountName string
param tableName string
param reactivationQueueName string
param reactivationPoisonQueueName string
param eventsQueueName string
param sweepQueueName string
param sweepPoisonQueueName string
param outboxQueueName string
param outboxPoisonQueueName string
param retentionQueueName string
param retentionPoisonQueueName string
param applicationInsightsName string

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: hostStorageAccountName
}

resource dataStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: dataStorageAccountName

  resource tableService 'tableServices' existing = {
    name: 'default'

    resource table 'tables' existing = {
      name: tableName
    }
  }

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource reactivationQueue 'queues' existing = {
      name: reactivationQueueName
    }

    resource reactivationPoisonQueue 'queues' existing = {
      name: reactivationPoisonQueueName
    }

    resource eventsQueue 'queues' existing = {
      name: eventsQueueName
    }

    resource sweepQueue 'queues' existing = {
      name: sweepQueueName
    }

    resource sweepPoisonQueue 'queues' existing = {
      name: sweepPoisonQueueName
    }

    resource outboxQueue 'queues' existing = {
      name: outboxQueueName
    }

    resource outboxPoisonQueue 'queues' existing = {
      name: outboxPoisonQueueName
    }

    resource retentionQueue 'queues' existing = {
      name: retentionQueueName
    }

    resource retentionPoisonQueue 'queues' existing = {
      name: retentionPoisonQueueName
    }
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

// Assignment names use the identity's resource id (known up front); the principal id is only
// known once the identity exists, and a name must be computable when the deployment starts.
var principalId = identity.properties.principalId

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Host storage (AzureWebJobsStorage) and the Flex deployment container, both in the host's own
// account. The host creates its own containers (azure-webjobs-hosts, azure-webjobs-secrets) and
// takes blob leases, so it needs Blob Data Owner on that account; that also covers writing the
// deployment package. The data account holds no blobs and gets no blob role.
resource hostBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, identity.id, roles.storageBlobDataOwner)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The app's task table, and nothing else in Table Storage. Contributor, not Reader plus writes:
// history retention deletes rows, and only Contributor includes delete.
resource taskTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::tableService::table.id, identity.id, roles.storageTableDataContributor)
  scope: dataStorage::tableService::table
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// A queue trigger peeks, gets, updates (visibility on retry) and deletes messages, and the host
// moves a message that keeps failing to the queue's -poison queue, creating it if missing: Message
// Processor is not enough, so Queue Data Contributor on each queue a trigger reads and on each
// poison queue the host writes to. It also covers the app's own sends to these queues (follow-up
// requests, malformed requests set aside, the next page of a sweep, delayed checks).
resource reactivationQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::queueService::reactivationQueue.id, identity.id, roles.storageQueueDataContributor)
  scope: dataStorage::queueService::reactivationQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource reactivationPoisonQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::queueService::reactivationPoisonQueue.id, identity.id, roles.storageQueueDataContributor)
  scope: dataStorage::queueService::reactivationPoisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource sweepQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::queueService::sweepQueue.id, identity.id, roles.storageQueueDataContributor)
  scope: dataStorage::queueService::sweepQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// A trigger reads this poison queue too, as it does the outbox-check and retention ones, so that
// background work whose message failed is resumed, not dropped. The host gives no poison queue to a queue already named -poison: there is no
// -poison-poison queue to create or grant.
resource sweepPoisonQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::queueService::sweepPoisonQueue.id, identity.id, roles.storageQueueDataContributor)
  scope: dataStorage::queueService::sweepPoisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource outboxQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::queueService::outboxQueue.id, identity.id, roles.storageQueueDataContributor)
  scope: dataStorage::queueService::outboxQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource outboxPoisonQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::queueService::outboxPoisonQueue.id, identity.id, roles.storageQueueDataContributor)
  scope: dataStorage::queueService::outboxPoisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource retentionQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::queueService::retentionQueue.id, identity.id, roles.storageQueueDataContributor)
  scope: dataStorage::queueService::retentionQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource retentionPoisonQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::queueService::retentionPoisonQueue.id, identity.id, roles.storageQueueDataContributor)
  scope: dataStorage::queueService::retentionPoisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The app only publishes task events; whoever consumes them gets its own rights.
resource eventsQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataStorage::queueService::eventsQueue.id, identity.id, roles.storageQueueDataMessageSender)
  scope: dataStorage::queueService::eventsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Application Insights has local auth disabled: ingestion needs this role (it covers all telemetry).
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

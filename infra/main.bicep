// Provisions everything the function app needs, identity-only (no keys, no connection strings).
// Subscription scope: creates the resource group, then deploys the modules into it.
// Deploy with `azd up`, or with `az deployment sub create` (see README, "Deploy").
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (the azd environment name); seeds resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer Flex Consumption: az functionapp list-flexconsumption-locations.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Name of the resource group to create or reuse. Empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Table the app keeps tasks in; becomes TASKS_TABLE_NAME. The app defaults to the same name.')
@minLength(3)
@maxLength(63)
param tableName string = 'batchtasks'

@description('Most instances the app may scale out to (Flex Consumption: 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance in MB (Flex Consumption sizes).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Redundancy of the data account (the task table and the app\'s queues). Standard_ZRS keeps it readable and writable through a zone outage; Standard_GZRS adds an asynchronous copy in the paired region for a regional disaster; Standard_LRS survives neither, for short-lived environments. The host\'s own account is zone-redundant whatever this says. See docs/deployment.md.')
@allowed([
  'Standard_ZRS'
  'Standard_GZRS'
  'Standard_LRS'
])
param dataStorageSku string = 'Standard_ZRS'

@description('Days history records and stored bulk answers are kept; becomes TASKS_HISTORY_RETENTION_DAYS.')
@minValue(1)
@maxValue(3650)
param historyRetentionDays int = 30

// The queue names are the app's defaults (src/config.ts); they are passed to the app as settings
// and a test compares the two.
var reactivationQueueName = 'task-reactivation-requests'
var eventsQueueName = 'task-events'
var sweepQueueName = 'job-sweeps'
var outboxQueueName = 'outbox-checks'
var retentionQueueName = 'history-retention'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
// Names are computed here, not read back from module outputs, so that they are known when the
// deployment starts (what-if can then predict the role assignments instead of giving up on them).
var names = {
  identity: 'id-api-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  // The data account keeps the name the single account had, so an existing environment keeps its data.
  dataStorage: 'st${resourceToken}'
  hostStorage: 'sthost${resourceToken}'
  deploymentContainer: 'app-package-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-api-${resourceToken}'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    dataName: names.dataStorage
    hostName: names.hostStorage
    location: location
    tags: tags
    dataSku: dataStorageSku
    deploymentContainerName: names.deploymentContainer
    tableName: tableName
    reactivationQueueName: reactivationQueueName
    eventsQueueName: eventsQueueName
    sweepQueueName: sweepQueueName
    outboxQueueName: outboxQueueName
    retentionQueueName: retentionQueueName
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityName: names.identity
    dataStorageAccountName: names.dataStorage
    hostStorageAccountName: names.hostStorage
    tableName: tableName
    reactivationQueueName: reactivationQueueName
    reactivationPoisonQueueName: '${reactivationQueueName}-poison'
    eventsQueueName: eventsQueueName
    sweepQueueName: sweepQueueName
    sweepPoisonQueueName: '${sweepQueueName}-poison'
    outboxQueueName: outboxQueueName
    outboxPoisonQueueName: '${outboxQueueName}-poison'
    retentionQueueName: retentionQueueName
    retentionPoisonQueueName: '${retentionQueueName}-poison'
    applicationInsightsName: names.applicationInsights
  }
  // The names above are known up front, so Bicep cannot infer these; the resources must exist first.
  dependsOn: [
    identity
    storage
    monitoring
  ]
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    dataStorageAccountName: names.dataStorage
    hostStorageAccountName: names.hostStorage
    deploymentContainerName: names.deploymentContainer
    applicationInsightsName: names.applicationInsights
    tableName: tableName
    reactivationQueueName: reactivationQueueName
    eventsQueueName: eventsQueueName
    sweepQueueName: sweepQueueName
    outboxQueueName: outboxQueueName
    retentionQueueName: retentionQueueName
    historyRetentionDays: historyRetentionDays
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The host signs in to storage and App Insights as soon as the site starts: grant the roles first,
  // so the first start does not meet 403s (role assignments still take minutes to propagate).
  dependsOn: [
    storage
    monitoring
    rbac
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.dataName
output AZURE_HOST_STORAGE_ACCOUNT_NAME string = storage.outputs.hostName
output TASKS_TABLE_NAME string = tableName
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId

// The one user-assigned identity the app uses for everything: host storage, deployment storage,
// Application Insights ingestion and the app's own table and queue calls.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId

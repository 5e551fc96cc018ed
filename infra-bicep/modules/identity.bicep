@description('Name of the user-assigned identity the function app runs as.')
param name string
param location string
param tags object

// One user-assigned identity rather than the app's system identity: its principal exists before the site,
// so role assignments and Key Vault references resolve on the app's first start.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId

// Data-plane roles, each assigned at the scope of the one resource it is for (never the resource group).
// Role definition ids are the built-in ones, the same in every tenant.

@description('Object id of the principal to grant the roles to.')
param principalId string

@description('A deployment-time key for the principal (the identity\'s name, or the person\'s object id): it names the assignments, so What-If can predict them.')
param principalKey string

@allowed(['ServicePrincipal', 'User', 'Group'])
param principalType string

param storageAccountName string
param keyVaultName string

@description('Secrets Officer (read and write) instead of Secrets User (read only): for a person who sets secrets with az keyvault secret set.')
param keyVaultSecretsOfficer bool = false

@description('Empty when Application Insights should get no assignment (people do not publish the app\'s telemetry).')
param applicationInsightsName string = ''

@description('Empty when email alerts are off.')
param communicationServiceName string = ''

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = if (!empty(applicationInsightsName)) {
  name: applicationInsightsName
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' existing = if (!empty(communicationServiceName)) {
  name: communicationServiceName
}

// Storage Blob Data Owner, not Contributor: the Functions host manages blob leases and deploys from blobs.
resource storageBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalKey, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
    principalId: principalId
    principalType: principalType
  }
}

resource storageQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalKey, '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
    principalId: principalId
    principalType: principalType
  }
}

resource storageTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalKey, '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
    principalId: principalId
    principalType: principalType
  }
}

// Key Vault Secrets User: what resolving Key Vault references needs.
resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!keyVaultSecretsOfficer) {
  name: guid(vault.id, principalKey, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: principalId
    principalType: principalType
  }
}

// Key Vault Secrets Officer.
resource keyVaultSecretsOfficerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (keyVaultSecretsOfficer) {
  name: guid(vault.id, principalKey, 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
    principalId: principalId
    principalType: principalType
  }
}

// Monitoring Metrics Publisher: Application Insights has local auth off and accepts only Entra-authenticated telemetry.
resource monitoringMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(applicationInsightsName)) {
  name: guid(appInsights.id, principalKey, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
    principalId: principalId
    principalType: principalType
  }
}

// Communication and Email Service Owner: sending email with an Entra token needs CommunicationServices
// read/write and EmailServices write, and this is the narrowest built-in role that has them.
resource communicationAndEmailServiceOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(communicationServiceName)) {
  name: guid(communicationService.id, principalKey, '09976791-48a7-449e-bb21-39d1a415f350')
  scope: communicationService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '09976791-48a7-449e-bb21-39d1a415f350')
    principalId: principalId
    principalType: principalType
  }
}

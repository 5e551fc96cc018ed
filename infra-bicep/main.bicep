// ConvoFunctions: the whole system in one resource group. Everything authenticates with one user-assigned
// managed identity; the only secrets are the ElevenLabs and Teams values, and they live in Key Vault.
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(20)
@description('Short name of this environment (dev, prod, ...): tags every resource and seeds the unique resource names.')
param environmentName string

@description('Region for the regional resources; it must offer Flex Consumption.')
param location string = resourceGroup().location

@description('Memory of each function app instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Upper bound on function app instances; keeps a webhook flood from scaling costs without limit.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Blob container that holds the deployed app package.')
@minLength(3)
@maxLength(63)
param deploymentContainerName string = 'app-package'

@description('ElevenLabs API key (Key Vault secret elevenlabs-api-key). Empty leaves the vault\'s current secret as it is.')
@secure()
param elevenLabsApiKey string = ''

@description('HMAC secret of the ElevenLabs post-call webhook (Key Vault secret elevenlabs-webhook-secret). Empty leaves the vault\'s current secret as it is.')
@secure()
param elevenLabsWebhookSecret string = ''

@description('The webhook secret being rotated out, accepted alongside the current one. Empty ends the rotation.')
@secure()
param elevenLabsPreviousWebhookSecret string = ''

@description('URL of the Teams Workflows "when a webhook request is received" flow (Key Vault secret teams-webhook-url). Empty leaves the vault\'s current secret as it is.')
@secure()
param teamsWebhookUrl string = ''

@description('Deploy Azure Communication Services with an Azure-managed email domain for email alerts.')
param enableEmailAlerts bool = true

@description('Where ACS keeps its data at rest.')
param communicationDataLocation string = 'Europe'

@description('Email alert recipients, separated by ";" or ",". Empty sends no email.')
param alertEmailRecipients string = ''

@description('NCRONTAB schedule (six fields, UTC) of the missed-call detection run. A test keeps the default equal to local.settings.sample.json.')
param detectionSchedule string = '0 */5 * * * *'

@description('Object id of a person (or group) to grant the same data roles as the app, so local runs with DefaultAzureCredential reach the same storage, Key Vault and ACS. Empty grants nothing.')
param principalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

// The storage names the code uses; StorageNames.cs is the source and a test keeps this list equal to it.
var storageNames = {
  containers: ['webhooks']
  queues: ['webhook-events', 'webhook-events-poison']
  tables: ['conversations', 'calls', 'activity', 'changes', 'alerts']
}

var secretNames = {
  elevenLabsApiKey: 'elevenlabs-api-key'
  elevenLabsWebhookSecret: 'elevenlabs-webhook-secret'
  elevenLabsPreviousWebhookSecret: 'elevenlabs-previous-webhook-secret'
  teamsWebhookUrl: 'teams-webhook-url'
}

var token = toLower(uniqueString(resourceGroup().id, environmentName))
var tags = { 'azd-env-name': environmentName }
var names = {
  identity: 'id-${environmentName}-${token}'
  logAnalytics: 'log-${environmentName}-${token}'
  applicationInsights: 'appi-${environmentName}-${token}'
  storage: 'st${token}'
  keyVault: 'kv-${token}'
  plan: 'plan-${environmentName}-${token}'
  functionApp: 'func-${environmentName}-${token}'
  communication: 'acs-${environmentName}-${token}'
  email: 'ecs-${environmentName}-${token}'
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    containers: storageNames.containers
    queues: storageNames.queues
    tables: storageNames.tables
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    secrets: {
      '${secretNames.elevenLabsApiKey}': elevenLabsApiKey
      '${secretNames.elevenLabsWebhookSecret}': elevenLabsWebhookSecret
      '${secretNames.elevenLabsPreviousWebhookSecret}': elevenLabsPreviousWebhookSecret
      '${secretNames.teamsWebhookUrl}': teamsWebhookUrl
    }
  }
}

module communication 'modules/communication.bicep' = if (enableEmailAlerts) {
  name: 'communication'
  params: {
    communicationServiceName: names.communication
    emailServiceName: names.email
    tags: tags
    dataLocation: communicationDataLocation
  }
}

module appRoles 'modules/rbac.bicep' = {
  name: 'rbac-app'
  params: {
    principalId: identity.outputs.principalId
    principalKey: names.identity
    principalType: 'ServicePrincipal'
    storageAccountName: names.storage
    keyVaultName: names.keyVault
    applicationInsightsName: names.applicationInsights
    communicationServiceName: enableEmailAlerts ? names.communication : ''
  }
  // The names above are known before deployment (What-If can predict the assignments), so the order is explicit.
  dependsOn: [
    storage
    vault
    monitoring
    communication
  ]
}

module userRoles 'modules/rbac.bicep' = if (!empty(principalId)) {
  name: 'rbac-user'
  params: {
    principalId: principalId
    principalKey: principalId
    principalType: principalType
    storageAccountName: names.storage
    keyVaultName: names.keyVault
    keyVaultSecretsOfficer: true
    communicationServiceName: enableEmailAlerts ? names.communication : ''
  }
  dependsOn: [
    storage
    vault
    communication
  ]
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: vault.outputs.name
    secretNames: secretNames
    hasPreviousWebhookSecret: !empty(elevenLabsPreviousWebhookSecret)
    emailEndpoint: enableEmailAlerts ? communication!.outputs.endpoint : ''
    emailSender: enableEmailAlerts ? communication!.outputs.sender : ''
    emailRecipients: alertEmailRecipients
    detectionSchedule: detectionSchedule
  }
  // The host starts as soon as the site exists: its identity must already hold the storage and Key Vault roles.
  dependsOn: [
    appRoles
  ]
}

@description('Paste this into ElevenLabs as the post-call webhook URL.')
output WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/elevenlabs'
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output AZURE_KEY_VAULT_URI string = vault.outputs.uri
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_COMMUNICATION_SERVICE_NAME string = enableEmailAlerts ? communication!.outputs.name : ''
output ALERTS_EMAIL_ENDPOINT string = enableEmailAlerts ? communication!.outputs.endpoint : ''
output ALERTS_EMAIL_SENDER string = enableEmailAlerts ? communication!.outputs.sender : ''

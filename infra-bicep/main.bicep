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

@description('Shared secret ElevenLabs sends in the X-Initiation-Secret header to the call-start route (Key Vault secret elevenlabs-initiation-secret). Empty leaves the vault\'s current secret as it is; without any secret the route answers 404.')
@secure()
param elevenLabsInitiationSecret string = ''

@description('The initiation secret being rotated out, accepted alongside the current one. Empty ends the rotation.')
@secure()
param elevenLabsPreviousInitiationSecret string = ''

@description('Existing personalization webhook the call-start route forwards to (proxy mode). Empty answers the default dynamic variables. Put credentials in the headers, not in the URL.')
param initiationUpstreamUrl string = ''

@description('JSON object of headers sent to the upstream personalization webhook (Key Vault secret initiation-upstream-headers; store {} when it needs none). Empty leaves the vault\'s current secret as it is.')
@secure()
param initiationUpstreamHeaders string = ''

@description('JSON object of the dynamic variables answered without an upstream, or when it fails; it must name every variable the agents define.')
param initiationDefaultDynamicVariables string = '{}'

@description('URL of the Teams Workflows "when a webhook request is received" flow (Key Vault secret teams-webhook-url). Empty leaves the vault\'s current secret as it is.')
@secure()
param teamsWebhookUrl string = ''

@description('Twilio account SID (AC…) whose calls explain and the sweep read for telephony evidence. Empty turns Twilio evidence off.')
param twilioAccountSid string = ''

@description('SID (SK…) of a Twilio API key of that account, read-only is enough.')
param twilioApiKeySid string = ''

@description('Secret of that Twilio API key (Key Vault secret twilio-api-key-secret). Empty leaves the vault\'s current secret as it is.')
@secure()
param twilioApiKeySecret string = ''

@description('Deploy Azure Communication Services with an Azure-managed email domain for email alerts.')
param enableEmailAlerts bool = true

@description('Where ACS keeps its data at rest.')
param communicationDataLocation string = 'Europe'

@description('Email alert recipients, separated by ";" or ",": the app\'s duplicate alerts and the Azure Monitor alerts about the app itself. Empty sends no email.')
param alertEmailRecipients string = ''

@description('Optional webhook (an on-call tool, a chat) the Azure Monitor action group also posts the alerts about the app to, in the common alert schema. Empty: email only.')
@secure()
param monitorWebhookUrl string = ''

@description('NCRONTAB schedule (six fields, UTC) of the missed-call detection run. A test keeps the default equal to local.settings.sample.json.')
param detectionSchedule string = '0 */5 * * * *'

@description('Incidents: duplicate calls of one pattern alerted one by one within incidentWindow before the next opens an incident (Alerts__IncidentThreshold; 0 turns incidents off), at most one roll-up per rollupInterval, resolved after resolveAfter without a duplicate while the agent took calls. Timespans as hh:mm:ss.')
param incidents object = {
  threshold: 3
  window: '01:00:00'
  rollupInterval: '01:00:00'
  resolveAfter: '02:00:00'
}

@description('Always-ready instances of the function app\'s http group (the post-call webhook and the call-start route), so a call\'s start never waits for a cold start. -1: 1 when this deployment is given the call-start route\'s secret (elevenLabsInitiationSecret), else 0. Each one is billed around the clock (docs/deploy.md, "Always ready").')
@minValue(-1)
@maxValue(20)
param httpAlwaysReady int = -1

@description('Days raw webhook bodies (transcripts, call audio) and table rows with callers\' numbers are kept: the blob lifecycle policy of the webhooks container and the app\'s own table clean-up (Retention__Days).')
@minValue(1)
@maxValue(3650)
param retentionDays int = 30

@description('Storage redundancy. Empty: zone-redundant (Standard_ZRS) where the region has availability zones, else Standard_LRS.')
@allowed(['', 'Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS', 'Standard_RAGRS', 'Standard_RAGZRS'])
param storageSku string = ''

@description('Spread the Flex Consumption instances over availability zones (needs a region with zones; the platform then keeps at least two instances always ready, which are billed).')
param zoneRedundant bool = false

@description('Key Vault purge protection: a deleted vault or secret cannot be purged during the soft-delete period. Once on it cannot be turned off.')
param keyVaultPurgeProtection bool = true

@description('Concurrent ElevenLabs API calls of the whole app, over every instance (ElevenLabs__AppMaxConcurrency). The workspace\'s concurrency limit is shared with live calls.')
@minValue(1)
@maxValue(64)
param elevenLabsAppMaxConcurrency int = 4

@description('Object id of a person (or group) to grant the same data roles as the app, so local runs with DefaultAzureCredential reach the same storage, Key Vault and ACS. Empty grants nothing.')
param principalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

// The storage names the code uses; StorageNames.cs is the source and a test keeps this list equal to it.
var storageNames = {
  containers: ['webhooks', 'elevenlabs-slots']
  queues: ['webhook-events', 'webhook-events-poison', 'call-checks']
  tables: ['conversations', 'calls', 'activity', 'changes', 'alerts', 'initiations']
}

var secretNames = {
  elevenLabsApiKey: 'elevenlabs-api-key'
  elevenLabsWebhookSecret: 'elevenlabs-webhook-secret'
  elevenLabsPreviousWebhookSecret: 'elevenlabs-previous-webhook-secret'
  teamsWebhookUrl: 'teams-webhook-url'
  elevenLabsInitiationSecret: 'elevenlabs-initiation-secret'
  elevenLabsPreviousInitiationSecret: 'elevenlabs-previous-initiation-secret'
  initiationUpstreamHeaders: 'initiation-upstream-headers'
  twilioApiKeySecret: 'twilio-api-key-secret'
}

// The sweep's interval in minutes, read from the schedule's minute field: '*/N' every N minutes, '*' every minute, a
// fixed minute once an hour. The "no completed sweep" alert fires after three intervals.
var scheduleMinuteField = split(detectionSchedule, ' ')[1]
var sweepIntervalMinutes = startsWith(scheduleMinuteField, '*/') ? int(substring(scheduleMinuteField, 2)) : (scheduleMinuteField == '*' ? 1 : 60)

// Only whether a secret was given leaves the parameter, never its value.
var effectiveHttpAlwaysReady = httpAlwaysReady >= 0 ? httpAlwaysReady : (empty(elevenLabsInitiationSecret) ? 0 : 1)

// A region with availability zones offers zone-redundant storage; pickZones returns no zone elsewhere.
var regionHasZones = !empty(pickZones('Microsoft.Compute', 'virtualMachines', location))
var effectiveStorageSku = !empty(storageSku) ? storageSku : (regionHasZones || zoneRedundant ? 'Standard_ZRS' : 'Standard_LRS')

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
  actionGroup: 'ag-${environmentName}-${token}'
  workbook: guid(resourceGroup().id, environmentName, 'operations-workbook')
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

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    actionGroupName: names.actionGroup
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    emailRecipients: alertEmailRecipients
    webhookUrl: monitorWebhookUrl
    sweepIntervalMinutes: sweepIntervalMinutes
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  params: {
    name: names.workbook
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    sku: effectiveStorageSku
    retentionDays: retentionDays
    // The raw webhook bodies; the slot blobs of elevenlabs-slots hold nothing and are never retired.
    retainedContainers: ['webhooks']
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
    purgeProtection: keyVaultPurgeProtection
    secrets: {
      '${secretNames.elevenLabsApiKey}': elevenLabsApiKey
      '${secretNames.elevenLabsWebhookSecret}': elevenLabsWebhookSecret
      '${secretNames.elevenLabsPreviousWebhookSecret}': elevenLabsPreviousWebhookSecret
      '${secretNames.teamsWebhookUrl}': teamsWebhookUrl
      '${secretNames.elevenLabsInitiationSecret}': elevenLabsInitiationSecret
      '${secretNames.elevenLabsPreviousInitiationSecret}': elevenLabsPreviousInitiationSecret
      '${secretNames.initiationUpstreamHeaders}': initiationUpstreamHeaders
      '${secretNames.twilioApiKeySecret}': twilioApiKeySecret
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
    hasPreviousInitiationSecret: !empty(elevenLabsPreviousInitiationSecret)
    initiationUpstreamUrl: initiationUpstreamUrl
    initiationDefaultDynamicVariables: initiationDefaultDynamicVariables
    twilioAccountSid: twilioAccountSid
    twilioApiKeySid: twilioApiKeySid
    emailEndpoint: enableEmailAlerts ? communication!.outputs.endpoint : ''
    emailSender: enableEmailAlerts ? communication!.outputs.sender : ''
    emailRecipients: alertEmailRecipients
    detectionSchedule: detectionSchedule
    incidents: incidents
    retentionDays: retentionDays
    zoneRedundant: zoneRedundant
    elevenLabsAppMaxConcurrency: elevenLabsAppMaxConcurrency
    httpAlwaysReady: effectiveHttpAlwaysReady
  }
  // The host starts as soon as the site exists: its identity must already hold the storage and Key Vault roles.
  dependsOn: [
    appRoles
  ]
}

@description('Paste this into ElevenLabs as the post-call webhook URL.')
output WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/elevenlabs'
@description('Point the ElevenLabs conversation-initiation (personalization) webhook here, with the X-Initiation-Secret header.')
output INITIATION_URL string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/elevenlabs/initiation'
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_SKU string = effectiveStorageSku
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output AZURE_KEY_VAULT_URI string = vault.outputs.uri
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_MONITOR_ACTION_GROUP_NAME string = names.actionGroup
output AZURE_COMMUNICATION_SERVICE_NAME string = enableEmailAlerts ? communication!.outputs.name : ''
output ALERTS_EMAIL_ENDPOINT string = enableEmailAlerts ? communication!.outputs.endpoint : ''
output ALERTS_EMAIL_SENDER string = enableEmailAlerts ? communication!.outputs.sender : ''

param name string
param planName string
param location string
param tags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string
param identityClientId string

param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string

@description('URL of the blob container Flex Consumption deploys packages to.')
param deploymentContainerUrl string

@allowed([512, 2048, 4096])
param instanceMemoryMB int

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

param applicationInsightsConnectionString string

param keyVaultName string

@description('Key Vault secret names, by the setting they back.')
param secretNames {
  elevenLabsApiKey: string
  elevenLabsWebhookSecret: string
  elevenLabsPreviousWebhookSecret: string
  teamsWebhookUrl: string
  elevenLabsInitiationSecret: string
  elevenLabsPreviousInitiationSecret: string
  initiationUpstreamHeaders: string
  twilioApiKeySecret: string
}

@description('Whether the previous webhook secret (rotation) is in Key Vault; without it the setting stays empty.')
param hasPreviousWebhookSecret bool

@description('Whether the previous initiation secret (rotation) is in Key Vault; without it the setting stays empty.')
param hasPreviousInitiationSecret bool

@description('Proxy mode of the call-start route; empty answers the default dynamic variables.')
param initiationUpstreamUrl string

param initiationDefaultDynamicVariables string

@description('Twilio evidence: off while the account SID is empty.')
param twilioAccountSid string
param twilioApiKeySid string

@description('ACS endpoint; empty turns email alerts off.')
param emailEndpoint string
param emailSender string
param emailRecipients string

@description('Set explicitly because a timer trigger reads its schedule from app settings, not from code defaults.')
param detectionSchedule string

@description('Alerts__IncidentThreshold, __IncidentWindow, __RollupInterval, __ResolveAfter.')
param incidents object

@description('Days table rows are kept (the app removes older ones).')
param retentionDays int

@description('Spread instances over availability zones.')
param zoneRedundant bool

@description('Concurrent ElevenLabs API calls over all instances.')
param elevenLabsAppMaxConcurrency int

@description('Always-ready instances of the http group (both webhook routes); 0 or less lets it scale to zero.')
param httpAlwaysReady int

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd deploys the 'api' service of azure.yaml to the site that carries this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
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
    // Key Vault references resolve with this identity; the default would be a system identity the app does not have.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Setting names follow SettingNames.cs (':' written '__'); a test checks every name against it.
      // Flex Consumption takes the runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME,
      // FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE and the content-share settings must not appear.
      // Key Vault references name no secret version, so they resolve the latest one: a rotated secret
      // reaches the app when it restarts, without a redeployment.
      appSettings: [
        // Host and app storage, identity-based: no connection string, no key.
        { name: 'AzureWebJobsStorage__blobServiceUri', value: storageBlobEndpoint }
        { name: 'AzureWebJobsStorage__queueServiceUri', value: storageQueueEndpoint }
        { name: 'AzureWebJobsStorage__tableServiceUri', value: storageTableEndpoint }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        // DefaultAzureCredential (ACS email, anything without its own clientId setting) picks this identity.
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        { name: 'ElevenLabs__ApiKey', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.elevenLabsApiKey})' }
        { name: 'ElevenLabs__WebhookSecret', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.elevenLabsWebhookSecret})' }
        {
          name: 'ElevenLabs__PreviousWebhookSecret'
          // Empty rather than a reference to a missing secret: an unresolved reference reaches the app as its
          // literal text, which would then verify signatures as a second, guessable secret.
          value: hasPreviousWebhookSecret ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.elevenLabsPreviousWebhookSecret})' : ''
        }
        // An unresolved reference turns the call-start route off (404) with one log line; the post-call route is unaffected.
        { name: 'ElevenLabs__InitiationSecret', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.elevenLabsInitiationSecret})' }
        {
          name: 'ElevenLabs__PreviousInitiationSecret'
          value: hasPreviousInitiationSecret ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.elevenLabsPreviousInitiationSecret})' : ''
        }
        { name: 'Initiation__UpstreamUrl', value: initiationUpstreamUrl }
        {
          // The headers usually carry the upstream's credentials; they matter only in proxy mode.
          name: 'Initiation__UpstreamHeaders'
          value: empty(initiationUpstreamUrl) ? '' : '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.initiationUpstreamHeaders})'
        }
        { name: 'Initiation__DefaultDynamicVariables', value: initiationDefaultDynamicVariables }
        // Twilio evidence is optional: without an account SID all three stay empty and the feature is off with one
        // line; an unresolved secret reaches the app as its reference text, which turns the feature off naming it.
        { name: 'Twilio__AccountSid', value: twilioAccountSid }
        { name: 'Twilio__ApiKeySid', value: twilioApiKeySid }
        {
          name: 'Twilio__ApiKeySecret'
          value: empty(twilioAccountSid) ? '' : '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.twilioApiKeySecret})'
        }
        { name: 'Alerts__Teams__WebhookUrl', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.teamsWebhookUrl})' }
        // No Alerts__Email__AccessKey: without it the app authenticates to ACS with the managed identity.
        { name: 'Alerts__Email__Endpoint', value: emailEndpoint }
        { name: 'Alerts__Email__Sender', value: emailSender }
        { name: 'Alerts__Email__Recipients', value: emailRecipients }
        { name: 'Detection__Schedule', value: detectionSchedule }
        { name: 'Alerts__IncidentThreshold', value: string(incidents.threshold) }
        { name: 'Alerts__IncidentWindow', value: incidents.window }
        { name: 'Alerts__RollupInterval', value: incidents.rollupInterval }
        { name: 'Alerts__ResolveAfter', value: incidents.resolveAfter }
        { name: 'Retention__Days', value: string(retentionDays) }
        { name: 'ElevenLabs__AppMaxConcurrency', value: string(elevenLabsAppMaxConcurrency) }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // 'http' is the group of every HTTP-triggered function: the call-start route waits on no cold start.
        alwaysReady: httpAlwaysReady > 0 ? [
          {
            name: 'http'
            instanceCount: httpAlwaysReady
          }
        ] : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName

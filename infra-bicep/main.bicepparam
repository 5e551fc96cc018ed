// Defaults for azd and for az deployment group create. Every value can come from an environment variable,
// so secrets never need to be written into a file: azd passes its environment (azd env set NAME value),
// and with az, export the variables before running the deployment.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'convo')

param instanceMemoryMB = 2048
param maximumInstanceCount = int(readEnvironmentVariable('FUNCTION_MAXIMUM_INSTANCE_COUNT', '40'))

// Empty keeps whatever the Key Vault already holds (see docs/deploy.md).
param elevenLabsApiKey = readEnvironmentVariable('ELEVENLABS_API_KEY', '')
param elevenLabsWebhookSecret = readEnvironmentVariable('ELEVENLABS_WEBHOOK_SECRET', '')
param elevenLabsPreviousWebhookSecret = readEnvironmentVariable('ELEVENLABS_PREVIOUS_WEBHOOK_SECRET', '')
param teamsWebhookUrl = readEnvironmentVariable('TEAMS_WEBHOOK_URL', '')
param elevenLabsInitiationSecret = readEnvironmentVariable('ELEVENLABS_INITIATION_SECRET', '')
param elevenLabsPreviousInitiationSecret = readEnvironmentVariable('ELEVENLABS_PREVIOUS_INITIATION_SECRET', '')
param initiationUpstreamHeaders = readEnvironmentVariable('INITIATION_UPSTREAM_HEADERS', '')
param twilioApiKeySecret = readEnvironmentVariable('TWILIO_API_KEY_SECRET', '')

// Twilio evidence (optional): empty account SID keeps it off.
param twilioAccountSid = readEnvironmentVariable('TWILIO_ACCOUNT_SID', '')
param twilioApiKeySid = readEnvironmentVariable('TWILIO_API_KEY_SID', '')

param initiationUpstreamUrl = readEnvironmentVariable('INITIATION_UPSTREAM_URL', '')
param initiationDefaultDynamicVariables = readEnvironmentVariable('INITIATION_DEFAULT_DYNAMIC_VARIABLES', '{}')

param enableEmailAlerts = bool(readEnvironmentVariable('ENABLE_EMAIL_ALERTS', 'true'))
param communicationDataLocation = readEnvironmentVariable('ACS_DATA_LOCATION', 'Europe')
param alertEmailRecipients = readEnvironmentVariable('ALERT_EMAIL_RECIPIENTS', '')
param monitorWebhookUrl = readEnvironmentVariable('MONITOR_WEBHOOK_URL', '')

// azd sets AZURE_PRINCIPAL_ID to the signed-in user, who then gets the app's data roles for local runs.
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')

// Production hardening (docs/deploy.md): all have safe defaults.
param retentionDays = int(readEnvironmentVariable('RETENTION_DAYS', '30'))
param storageSku = readEnvironmentVariable('STORAGE_SKU', '')
param zoneRedundant = bool(readEnvironmentVariable('ZONE_REDUNDANT', 'false'))
param keyVaultPurgeProtection = bool(readEnvironmentVariable('KEY_VAULT_PURGE_PROTECTION', 'true'))
param elevenLabsAppMaxConcurrency = int(readEnvironmentVariable('ELEVENLABS_APP_MAX_CONCURRENCY', '4'))
// -1: one always-ready instance when ELEVENLABS_INITIATION_SECRET is given (the call-start route is on), else none.
param httpAlwaysReady = int(readEnvironmentVariable('HTTP_ALWAYS_READY', '-1'))

# azd preprovision (Windows): same as preprovision.sh. The app does not start without the ElevenLabs webhook
# secret, so the first `azd up` asks for it before provisioning.
$ErrorActionPreference = 'Stop'
if ($env:ELEVENLABS_WEBHOOK_SECRET) { exit 0 }
if ($env:AZURE_KEY_VAULT_NAME -and (Get-Command az -ErrorAction SilentlyContinue)) {
  az keyvault secret show --vault-name $env:AZURE_KEY_VAULT_NAME --name elevenlabs-webhook-secret --query id -o tsv *> $null
  if ($LASTEXITCODE -eq 0) { exit 0 }
}
if ([Console]::IsInputRedirected) {
  Write-Error "ELEVENLABS_WEBHOOK_SECRET is not set. Run: azd env set ELEVENLABS_WEBHOOK_SECRET '<secret>' (see docs/deploy.md)."
  exit 1
}
Write-Host "The app needs the HMAC secret of the ElevenLabs post-call webhook (ElevenLabs__WebhookSecret)."
Write-Host "Paste it now, or press Enter to store it after provisioning (the app does not start until then; see docs/deploy.md)."
$secure = Read-Host -AsSecureString "ElevenLabs webhook secret"
$secret = [System.Net.NetworkCredential]::new('', $secure).Password
if ($secret) {
  azd env set ELEVENLABS_WEBHOOK_SECRET $secret
} else {
  Write-Warning "No secret given. After provisioning: azd env set ELEVENLABS_WEBHOOK_SECRET '<secret>'; azd provision"
}

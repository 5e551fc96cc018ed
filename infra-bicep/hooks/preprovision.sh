#!/usr/bin/env sh
# azd preprovision: the app does not start without the ElevenLabs webhook secret (it could verify nothing), so the
# first `azd up` asks for it before provisioning. Skipped when the azd environment already has it, or when the Key
# Vault of an earlier provisioning already holds it.
set -eu

if [ -n "${ELEVENLABS_WEBHOOK_SECRET:-}" ]; then exit 0; fi

if [ -n "${AZURE_KEY_VAULT_NAME:-}" ] && command -v az >/dev/null 2>&1 \
   && az keyvault secret show --vault-name "$AZURE_KEY_VAULT_NAME" --name elevenlabs-webhook-secret --query id -o tsv >/dev/null 2>&1; then
  exit 0
fi

if [ ! -t 0 ]; then
  echo "ELEVENLABS_WEBHOOK_SECRET is not set and there is no terminal to ask for it." >&2
  echo "Run: azd env set ELEVENLABS_WEBHOOK_SECRET '<secret ElevenLabs shows for the webhook>' (see docs/deploy.md)." >&2
  exit 1
fi

echo "The app needs the HMAC secret of the ElevenLabs post-call webhook (ElevenLabs__WebhookSecret)."
echo "ElevenLabs shows it once, when you create the webhook (Agents Platform > Settings > Webhooks)."
echo "Paste it now, or press Enter to store it after provisioning (the app does not start until then; see docs/deploy.md)."
printf "ElevenLabs webhook secret: "
stty -echo 2>/dev/null || true
IFS= read -r secret || secret=""
stty echo 2>/dev/null || true
echo
if [ -n "$secret" ]; then
  azd env set ELEVENLABS_WEBHOOK_SECRET "$secret"
  echo "Stored in the azd environment; provisioning writes it to Key Vault (elevenlabs-webhook-secret)."
else
  echo "No secret given. After provisioning: azd env set ELEVENLABS_WEBHOOK_SECRET '<secret>' && azd provision" >&2
fi

using System.ComponentModel.DataAnnotations;
using ConvoFunctions.Configuration;

namespace ConvoFunctions.ElevenLabs;

/// <summary>Settings under <c>ElevenLabs:</c>.</summary>
internal sealed class ElevenLabsOptions : IValidatableObject
{
    public const string PublicApiBaseUrl = "https://api.elevenlabs.io";

    /// <summary>The HMAC secret ElevenLabs shows when the webhook is created.</summary>
    [Required(ErrorMessage = $"{SettingNames.ElevenLabsWebhookSecret} is required: copy it from the ElevenLabs webhook settings.")]
    public string WebhookSecret { get; set; } = "";

    /// <summary>The secret being rotated out; accepted alongside <see cref="WebhookSecret"/> until removed.</summary>
    public string? PreviousWebhookSecret { get; set; }

    public string? ApiKey { get; set; }

    [Required]
    public Uri BaseUrl { get; set; } = new(PublicApiBaseUrl);

    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 4;

    public IEnumerable<string> WebhookSecrets()
    {
        if (KeyVaultReference.Usable(WebhookSecret) is { } current) yield return current;
        if (KeyVaultReference.Usable(PreviousWebhookSecret) is { } previous) yield return previous;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (KeyVaultReference.IsUnresolved(WebhookSecret))
        {
            yield return new ValidationResult(
                $"{SettingNames.ElevenLabsWebhookSecret} is an unresolved Key Vault reference: create the secret and grant the app's identity Key Vault Secrets User.",
                [nameof(WebhookSecret)]);
        }
    }
}

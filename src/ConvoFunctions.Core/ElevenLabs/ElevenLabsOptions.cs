using System.ComponentModel.DataAnnotations;

namespace ConvoFunctions.ElevenLabs;

/// <summary>Settings under <c>ElevenLabs:</c>.</summary>
internal sealed class ElevenLabsOptions
{
    public const string PublicApiBaseUrl = "https://api.elevenlabs.io";

    /// <summary>The HMAC secret ElevenLabs shows when the webhook is created.</summary>
    [Required(ErrorMessage = $"{Configuration.SettingNames.ElevenLabsWebhookSecret} is required: copy it from the ElevenLabs webhook settings.")]
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
        if (!string.IsNullOrEmpty(WebhookSecret)) yield return WebhookSecret;
        if (!string.IsNullOrEmpty(PreviousWebhookSecret)) yield return PreviousWebhookSecret;
    }
}

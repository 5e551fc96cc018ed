using System.ComponentModel.DataAnnotations;
using ConvoFunctions.Configuration;

namespace ConvoFunctions.ElevenLabs;

/// <summary>Settings under <c>ElevenLabs:</c>.</summary>
internal sealed class ElevenLabsOptions : IValidatableObject
{
    public const string PublicApiBaseUrl = "https://api.elevenlabs.io";

    /// <summary>The HMAC secret ElevenLabs shows when the webhook is created.</summary>
    [Required(ErrorMessage = "is required: copy it from the ElevenLabs webhook settings.")]
    public string WebhookSecret { get; set; } = "";

    /// <summary>The secret being rotated out; accepted alongside <see cref="WebhookSecret"/> until removed.</summary>
    public string? PreviousWebhookSecret { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>Shared secret ElevenLabs sends in <c>X-Initiation-Secret</c> to the initiation route; empty closes the route.</summary>
    public string? InitiationSecret { get; set; }

    /// <summary>The initiation secret being rotated out; accepted alongside <see cref="InitiationSecret"/> until removed.</summary>
    public string? PreviousInitiationSecret { get; set; }

    [Required]
    public Uri BaseUrl { get; set; } = new(PublicApiBaseUrl);

    /// <summary>
    /// Most API calls one worker makes at once. The workspace's concurrency limit is shared with live calls,
    /// so a burst of webhooks must not take all of it (ElevenLabs answers 429 <c>too_many_concurrent_requests</c>).
    /// </summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// Most API calls the whole app makes at once, over every instance (a Flex app scales to 40 and more): each call
    /// holds a lease on one of this many slot blobs (<see cref="AppConcurrencySlots"/>).
    /// </summary>
    [Range(1, 64)]
    public int AppMaxConcurrency { get; set; } = 4;

    /// <summary>Retries per API request inside one delivery (429, 408, 5xx, network); 0 leaves retrying to the queue.</summary>
    [Range(0, 10)]
    public int RetryAttempts { get; set; } = 4;

    /// <summary>First backoff delay (exponential, jittered); a <c>Retry-After</c> header wins over it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Timeout of one HTTP attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one request including its retries and <c>Retry-After</c> waits.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:10:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public bool HasApiKey => KeyVaultReference.Usable(ApiKey?.Trim()) is not null;

    public IEnumerable<string> WebhookSecrets()
    {
        if (KeyVaultReference.Usable(WebhookSecret) is { } current) yield return current;
        if (KeyVaultReference.Usable(PreviousWebhookSecret) is { } previous) yield return previous;
    }

    /// <summary>Optional ElevenLabs settings that are set but unusable; the feature runs without them (see <see cref="SettingProblem"/>).</summary>
    public IEnumerable<SettingProblem> Problems()
    {
        if (KeyVaultReference.IsUnresolved(ApiKey))
            yield return SettingProblem.Unresolved("Enrichment from the ElevenLabs API (webhook bodies are used instead)", SettingNames.ElevenLabsApiKey);
        if (KeyVaultReference.IsUnresolved(PreviousWebhookSecret))
            yield return SettingProblem.Unresolved("The previous webhook secret (rotation)", SettingNames.ElevenLabsPreviousWebhookSecret);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (KeyVaultReference.IsUnresolved(WebhookSecret))
        {
            yield return new ValidationResult(
                "is an unresolved Key Vault reference: create the secret and grant the app's identity Key Vault Secrets User.",
                [nameof(WebhookSecret)]);
        }
    }
}

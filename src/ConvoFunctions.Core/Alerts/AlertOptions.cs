using System.ComponentModel.DataAnnotations;
using ConvoFunctions.Configuration;

namespace ConvoFunctions.Alerts;

/// <summary>Settings under <c>Alerts:</c>. Each channel is on when its settings are present.</summary>
internal sealed class AlertOptions : IValidatableObject
{
    public const string DefaultDashboardUrl = "https://elevenlabs.io/app/agents/history/{conversation_id}";

    public TeamsAlertOptions Teams { get; set; } = new();

    public EmailAlertOptions Email { get; set; } = new();

    /// <summary>Link to one conversation in the ElevenLabs dashboard; <c>{conversation_id}</c> is replaced.</summary>
    [Required]
    public string DashboardUrl { get; set; } = DefaultDashboardUrl;

    /// <summary>How long a sweep owns a channel it is sending on; past it, a crashed sweep's send is taken over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A channel that failed this often is given up (and logged).</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 20;

    public string ConversationUrl(string conversationId) =>
        DashboardUrl.Replace("{conversation_id}", Uri.EscapeDataString(conversationId), StringComparison.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (KeyVaultReference.Usable(Teams.WebhookUrl) is not null && Teams.Url is null)
            yield return new ValidationResult($"{Configuration.SettingNames.AlertsTeamsWebhookUrl} must be an absolute https URL.");
        if (KeyVaultReference.Usable(Email.Endpoint) is not null)
        {
            if (Email.EndpointUri is null)
                yield return new ValidationResult($"{Configuration.SettingNames.AlertsEmailEndpoint} must be an absolute URL such as https://<name>.communication.azure.com.");
            if (string.IsNullOrWhiteSpace(Email.Sender))
                yield return new ValidationResult($"{Configuration.SettingNames.AlertsEmailSender} is required when {Configuration.SettingNames.AlertsEmailEndpoint} is set.");
            if (Email.RecipientList.Count == 0)
                yield return new ValidationResult($"{Configuration.SettingNames.AlertsEmailRecipients} is required when {Configuration.SettingNames.AlertsEmailEndpoint} is set.");
        }
        if (!DashboardUrl.Contains("{conversation_id}", StringComparison.Ordinal))
            yield return new ValidationResult($"{Configuration.SettingNames.AlertsDashboardUrl} must contain {{conversation_id}}.");
    }
}

internal sealed class TeamsAlertOptions
{
    /// <summary>The Teams Workflows "when a webhook request is received" URL; it is a secret (its signature is in it).</summary>
    /// <remarks>
    /// A string, not a <see cref="Uri"/>: empty (Teams off) and an unresolved Key Vault reference (secret not stored
    /// yet) must turn the channel off instead of failing the app's start-up.
    /// </remarks>
    public string? WebhookUrl { get; set; }

    public Uri? Url => AbsoluteUri(WebhookUrl);

    public bool IsEnabled => Url is not null;

    internal static Uri? AbsoluteUri(string? value) =>
        KeyVaultReference.Usable(value) is { } usable && Uri.TryCreate(usable.Trim(), UriKind.Absolute, out var uri) ? uri : null;
}

internal sealed class EmailAlertOptions
{
    /// <summary>The ACS endpoint, e.g. <c>https://&lt;name&gt;.communication.azure.com</c>; empty turns email off.</summary>
    public string? Endpoint { get; set; }

    public Uri? EndpointUri => TeamsAlertOptions.AbsoluteUri(Endpoint);

    /// <summary>Optional ACS access key (base64); without it the managed identity's Entra ID token is used.</summary>
    public string? AccessKey { get; set; }

    public string? Sender { get; set; }

    /// <summary>Comma- or semicolon-separated addresses.</summary>
    public string? Recipients { get; set; }

    public IReadOnlyList<string> RecipientList =>
        (Recipients ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool IsEnabled => EndpointUri is not null && !string.IsNullOrWhiteSpace(Sender) && RecipientList.Count > 0;
}

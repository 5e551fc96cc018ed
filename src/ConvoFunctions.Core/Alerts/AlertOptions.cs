using System.ComponentModel.DataAnnotations;
using ConvoFunctions.Configuration;

namespace ConvoFunctions.Alerts;

/// <summary>Settings under <c>Alerts:</c>. Each channel is on when its settings are present.</summary>
internal sealed class AlertOptions
{
    public const string DefaultDashboardUrl = "https://elevenlabs.io/app/agents/history/{conversation_id}";

    public TeamsAlertOptions Teams { get; set; } = new();

    public EmailAlertOptions Email { get; set; } = new();

    /// <summary>
    /// Link to one conversation in the ElevenLabs dashboard; <c>{conversation_id}</c> is replaced. Not required: an
    /// empty value falls back to the default like any other unusable one, so it cannot stop start-up.
    /// </summary>
    public string? DashboardUrl { get; set; } = DefaultDashboardUrl;

    /// <summary>How long a sweep owns a channel it is sending on; past it, a crashed sweep's send is taken over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A channel that failed this often is given up (and logged).</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 20;

    /// <summary>
    /// Duplicate calls of one pattern (agent, verdict, kind of cause) alerted one by one within
    /// <see cref="IncidentWindow"/>; the next one opens an incident instead. 0 turns incidents off: every call alerts.
    /// </summary>
    [Range(0, 1000)]
    public int IncidentThreshold { get; set; } = 3;

    /// <summary>How close together the per-call alerts of a pattern must be for the next duplicate to open an incident.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan IncidentWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>At most one roll-up post per open incident this often, and only when calls joined it since the last post.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RollupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An open incident resolves once no duplicate of its pattern has started for this long while the agent still took calls.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ResolveAfter { get; set; } = TimeSpan.FromHours(2);

    public bool IncidentsEnabled => IncidentThreshold > 0;

    public string ConversationUrl(string conversationId) =>
        EffectiveDashboardUrl.Replace("{conversation_id}", Uri.EscapeDataString(conversationId), StringComparison.Ordinal);

    /// <summary>A dashboard URL without <c>{conversation_id}</c> falls back to the default rather than stopping the app.</summary>
    public string EffectiveDashboardUrl => Usable(DashboardUrl) ? DashboardUrl! : DefaultDashboardUrl;

    private static bool Usable(string? url) => url?.Contains("{conversation_id}", StringComparison.Ordinal) == true;

    /// <summary>
    /// Channels are optional: one whose settings are incomplete or unresolved is off, and this says why (at most one
    /// problem per channel). Nothing here fails start-up: a missing Teams secret must not take the webhook endpoint down.
    /// </summary>
    public IEnumerable<SettingProblem> Problems()
    {
        if (Teams.Problem() is { } teams) yield return teams;
        if (Email.Problem() is { } email) yield return email;
        if (!string.IsNullOrWhiteSpace(DashboardUrl) && !Usable(DashboardUrl))
            yield return new SettingProblem("Dashboard links", SettingNames.AlertsDashboardUrl, $"must contain {{conversation_id}}; alerts link to {DefaultDashboardUrl} instead");
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

    public SettingProblem? Problem()
    {
        const string feature = "Teams alerts";
        if (string.IsNullOrWhiteSpace(WebhookUrl)) return null;
        if (KeyVaultReference.IsUnresolved(WebhookUrl)) return SettingProblem.Unresolved(feature, SettingNames.AlertsTeamsWebhookUrl);
        // The value is a secret (its sig= is the credential): never echo it.
        return Url is null ? new SettingProblem(feature, SettingNames.AlertsTeamsWebhookUrl, "is not an absolute URL") : null;
    }

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

    public bool IsEnabled => EndpointUri is not null && !string.IsNullOrWhiteSpace(Sender) && RecipientList.Count > 0 && !KeyVaultReference.IsUnresolved(AccessKey);

    /// <summary>Email is off when nothing is set; any partial set-up is a problem naming the first setting to fix.</summary>
    public SettingProblem? Problem()
    {
        const string feature = "Email alerts";
        var anySet = !string.IsNullOrWhiteSpace(Endpoint) || !string.IsNullOrWhiteSpace(Sender) || RecipientList.Count > 0;
        if (!anySet) return null;
        if (KeyVaultReference.IsUnresolved(Endpoint)) return SettingProblem.Unresolved(feature, SettingNames.AlertsEmailEndpoint);
        if (string.IsNullOrWhiteSpace(Endpoint)) return new SettingProblem(feature, SettingNames.AlertsEmailEndpoint, "is empty");
        if (EndpointUri is null)
            return new SettingProblem(feature, SettingNames.AlertsEmailEndpoint, "must be an absolute URL such as https://<name>.communication.azure.com");
        if (string.IsNullOrWhiteSpace(Sender)) return new SettingProblem(feature, SettingNames.AlertsEmailSender, "is empty");
        if (KeyVaultReference.IsUnresolved(AccessKey)) return SettingProblem.Unresolved(feature, SettingNames.AlertsEmailAccessKey);
        if (RecipientList.Count == 0) return new SettingProblem(feature, SettingNames.AlertsEmailRecipients, "is empty: set the addresses that should receive alerts");
        return null;
    }
}

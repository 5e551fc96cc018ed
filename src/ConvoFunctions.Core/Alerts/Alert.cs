using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConvoFunctions.Alerts;

/// <summary>
/// One alert, as every channel renders it. It holds no unmasked phone number and no secret, and it is stored with its
/// ledger row so that a later sweep can finish sending it exactly as first composed.
/// </summary>
internal sealed record Alert(
    string Kind,
    string Key,
    string Generation,
    bool FollowUp,
    string Title,
    string Summary,
    IReadOnlyList<AlertFact> Facts,
    IReadOnlyList<AlertConversation> Conversations,
    string SupportReport,
    DateTimeOffset RaisedAt)
{
    public const string DuplicateKind = "duplicate";
    public const string WebhookHealthKind = "webhook-health";
    public const string NoConversationKind = "no-conversation";
    public const string TestKind = "test";
    public const string TelephonyEvidenceKind = "telephony-evidence";
    public const string IncidentOpenedKind = "incident-opened";
    public const string IncidentRollupKind = "incident-rollup";
    public const string IncidentResolvedKind = "incident-resolved";
    public const string IncidentReopenedKind = "incident-reopened";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static Alert FromJson(string json) =>
        JsonSerializer.Deserialize<Alert>(json, Json) ?? throw new JsonException("Empty alert payload.");
}

internal sealed record AlertFact(string Name, string Value);

internal sealed record AlertConversation(
    string ConversationId,
    string Status,
    bool Blank,
    DateTimeOffset StartTime,
    int DurationSecs,
    bool HasAudio,
    int MessageCount,
    string? TerminationReason,
    string Url,
    string? Origin = null,
    string? Evidence = null);

using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConvoFunctions.Webhooks;

/// <summary>
/// The small message queued per webhook on <c>webhook-events</c>. The body itself stays in Blob Storage,
/// so the message stays a few hundred bytes whatever the webhook's size (queue messages max out at 64 KB).
/// </summary>
internal sealed record WebhookEventMessage(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("conversation_id")] string? ConversationId,
    [property: JsonPropertyName("agent_id")] string? AgentId,
    [property: JsonPropertyName("event_timestamp")] long? EventTimestamp,
    [property: JsonPropertyName("blob")] string Blob,
    [property: JsonPropertyName("body_sha256")] string BodySha256,
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static WebhookEventMessage Parse(string json) =>
        JsonSerializer.Deserialize<WebhookEventMessage>(json, Options)
        ?? throw new JsonException("The queue message is empty.");
}

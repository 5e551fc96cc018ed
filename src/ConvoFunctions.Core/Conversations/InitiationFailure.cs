using System.Text.Json;

namespace ConvoFunctions.Conversations;

/// <summary>
/// The <c>data</c> of a <c>call_initiation_failure</c> webhook: <c>failure_reason</c> and the provider's own
/// callback under <c>metadata</c> (<c>{"type":"twilio","body":{"CallSid":…,"From":…,"To":…,"Direction":…}}</c>; SIP
/// bodies use other names, so a few spellings are tried and anything missing stays null).
/// </summary>
internal sealed record InitiationFailure(
    string? AgentId,
    string? ConversationId,
    string? Reason,
    string? Provider,
    string? Direction,
    string? CallSid,
    string? SipCallId,
    string? AgentNumber,
    string? ExternalNumber)
{
    public static InitiationFailure Empty { get; } = new(null, null, null, null, null, null, null, null, null);

    /// <summary>Reads the whole webhook body (<c>{"type":…,"data":{…}}</c>).</summary>
    public static InitiationFailure Parse(BinaryData webhookBody)
    {
        using var document = JsonDocument.Parse(webhookBody);
        if (!document.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object) return Empty;

        var metadata = data.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        var provider = Text(metadata, "type");
        var body = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("body", out var b) && b.ValueKind == JsonValueKind.Object ? b : default;

        var rawDirection = Text(body, "Direction", "direction");
        var direction = rawDirection is null ? null
            : rawDirection.StartsWith("outbound", StringComparison.OrdinalIgnoreCase) ? "outbound"
            : rawDirection.StartsWith("inbound", StringComparison.OrdinalIgnoreCase) ? "inbound"
            : rawDirection;
        var from = Text(body, "From", "from", "from_number");
        var to = Text(body, "To", "to", "to_number");
        var outbound = direction == "outbound";

        return new InitiationFailure(
            Text(data, "agent_id"),
            Text(data, "conversation_id"),
            Text(data, "failure_reason"),
            provider,
            direction,
            Text(body, "CallSid", "call_sid"),
            Text(body, "call_id", "CallId", "Call-ID"),
            outbound ? from : to,
            outbound ? to : from);
    }

    private static string? Text(JsonElement element, params string[] names)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        foreach (var name in names)
        {
            if (element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(value.GetString()))
            {
                return value.GetString();
            }
        }
        return null;
    }
}

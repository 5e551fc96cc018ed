using System.Text.Json;

namespace ConvoFunctions.Initiation;

/// <summary>
/// What ElevenLabs posts to the conversation-initiation (personalization) webhook at the start of an inbound Twilio
/// or SIP-trunk call. Unknown fields are ignored: the body is documented loosely and grows.
/// </summary>
internal sealed record InitiationRequest(string? CallerId, string? AgentId, string? CalledNumber, string? CallSid, string? CallId)
{
    /// <summary>
    /// The call's key in the scheme conversations use (<see cref="Conversations.CallKey"/>), so a call's start rows and its
    /// conversations share one key (<c>call_sid</c> first, the SIP <c>call_id</c> only without one), whichever provider
    /// the body would name: it does not, and the key does not depend on it.
    /// </summary>
    public string? CallKey => Conversations.CallKey.Derive(null, CallSid, CallId, null);

    /// <summary>Parses the body; null with a reason fit for a 400 answer when it cannot be recorded.</summary>
    public static InitiationRequest? TryParse(ReadOnlySpan<byte> body, out string? error)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "The body must be a JSON object.";
                return null;
            }

            string? Field(string name)
            {
                if (!root.TryGetProperty(name, out var value)) return null;
                return value.ValueKind switch
                {
                    JsonValueKind.String => string.IsNullOrWhiteSpace(value.GetString()) ? null : value.GetString()!.Trim(),
                    JsonValueKind.Number => value.GetRawText(),
                    JsonValueKind.Null => null,
                    _ => throw new FormatException($"{name} must be a string."),
                };
            }

            var request = new InitiationRequest(Field("caller_id"), Field("agent_id"), Field("called_number"), Field("call_sid"), Field("call_id"));
            if (request.CallKey is null)
            {
                error = "The body names no call: call_sid (or call_id for SIP trunks) is required.";
                return null;
            }
            error = null;
            return request;
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            error = ex is FormatException ? ex.Message : "The body is not valid JSON.";
            return null;
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ConvoFunctions.Webhooks;

/// <summary>The few fields of a webhook body that routing needs; everything else stays in the archived body.</summary>
internal sealed record WebhookEnvelope(string Type, long? EventTimestamp, string? ConversationId, string? AgentId)
{
    /// <summary>
    /// Reads the envelope with a forward-only reader over the whole body, so a multi-megabyte audio webhook is
    /// validated as JSON without building a document of it.
    /// </summary>
    public static WebhookEnvelope? TryParse(ReadOnlySpan<byte> body, out string? error)
    {
        string? type = null, conversationId = null, agentId = null;
        long? eventTimestamp = null;
        var hasData = false;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "The body is not a JSON object.";
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "type" when reader.TokenType == JsonTokenType.String:
                        type = reader.GetString();
                        break;
                    case "event_timestamp" when reader.TokenType == JsonTokenType.Number:
                        eventTimestamp = reader.TryGetInt64(out var seconds) ? seconds : (long)reader.GetDouble();
                        break;
                    case "data" when reader.TokenType == JsonTokenType.StartObject:
                        hasData = true;
                        (conversationId, agentId) = ReadData(ref reader);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            // Reading past the end throws on trailing garbage, so "{...} junk" is not JSON either.
            while (reader.Read()) { }
        }
        catch (JsonException)
        {
            error = "The body is not valid JSON.";
            return null;
        }

        error = (type, hasData) switch
        {
            (null or "", _) => "The body has no \"type\" string.",
            (_, false) => "The body has no \"data\" object.",
            _ => null,
        };
        return error is null ? new WebhookEnvelope(type!, eventTimestamp, conversationId, agentId) : null;
    }

    private static (string? ConversationId, string? AgentId) ReadData(ref Utf8JsonReader reader)
    {
        string? conversationId = null, agentId = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "conversation_id" && reader.TokenType == JsonTokenType.String) conversationId = reader.GetString();
            else if (name == "agent_id" && reader.TokenType == JsonTokenType.String) agentId = reader.GetString();
            else reader.Skip();
        }
        return (conversationId, agentId);
    }

    /// <summary>
    /// <c>yyyy/MM/dd/&lt;type&gt;/&lt;conversation&gt;/&lt;sha256&gt;.json</c>. The date comes from the event, not the
    /// arrival, so an identical redelivery on another day still writes the same blob.
    /// </summary>
    public string BlobName(string bodySha256, DateTimeOffset receivedAt)
    {
        var date = EventTimestamp is { } seconds && seconds > 0
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : receivedAt;
        return string.Join('/',
            date.UtcDateTime.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture),
            Segment(Type),
            Segment(ConversationId ?? "no-conversation"),
            bodySha256 + ".json");
    }

    // Names come from the sender: keep blob paths to a safe alphabet and length.
    private static string Segment(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, 100));
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, 100)))
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }
        return builder.Length == 0 ? "_" : builder.ToString();
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ConvoFunctions.Webhooks;

/// <summary>The few fields of a webhook body that routing needs; everything else stays in the archived body.</summary>
/// <param name="ConversationShaped">
/// <c>data</c> has a <c>conversation_id</c> and the shape of a conversation (<c>status</c>, <c>transcript</c> or
/// <c>metadata</c>): an event type we do not know by name (an unredacted variant) can still be enriched like a transcription.
/// </param>
internal sealed record WebhookEnvelope(string Type, long? EventTimestamp, string? ConversationId, string? AgentId, bool ConversationShaped = false)
{
    /// <summary>Ids longer than this are not ElevenLabs ids (theirs are a few dozen characters).</summary>
    public const int MaxIdLength = 256;

    /// <summary>
    /// Reads the envelope with a forward-only reader over the whole body, so a multi-megabyte audio webhook is
    /// validated as JSON without building a document of it. Anything we would store or compute with is checked here,
    /// so that a signed body is answered 200 or a 400 naming the field, never a 5xx: the body must be UTF-8 JSON, its
    /// ids short strings without control characters, its times numbers of seconds (milliseconds are recognised).
    /// </summary>
    public static WebhookEnvelope? TryParse(ReadOnlySpan<byte> body, out string? error)
    {
        string? type = null, conversationId = null, agentId = null;
        long? eventTimestamp = null;
        var hasData = false;
        var conversationFields = false;
        error = null;
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            error = "The body is not valid UTF-8.";
            return null;
        }
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "The body is not a JSON object.";
                return null;
            }

            while (error is null && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "type":
                        type = Id(ref reader, "type", ref error);
                        break;
                    case "event_timestamp":
                        eventTimestamp = Seconds(ref reader, "event_timestamp", ref error);
                        break;
                    case "data" when reader.TokenType == JsonTokenType.StartObject:
                        hasData = true;
                        (conversationId, agentId, conversationFields) = ReadData(ref reader, ref error);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            if (error is not null) return null;

            // Reading past the end throws on trailing garbage, so "{...} junk" is not JSON either.
            while (reader.Read()) { }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
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
        return error is null ? new WebhookEnvelope(type!, eventTimestamp, conversationId, agentId, conversationId is not null && conversationFields) : null;
    }

    private static (string? ConversationId, string? AgentId, bool ConversationFields) ReadData(ref Utf8JsonReader reader, ref string? error)
    {
        string? conversationId = null, agentId = null;
        var conversationFields = false;
        while (error is null && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "conversation_id":
                    conversationId = Id(ref reader, "data.conversation_id", ref error);
                    break;
                case "agent_id":
                    agentId = Id(ref reader, "data.agent_id", ref error);
                    break;
                case "metadata" when reader.TokenType == JsonTokenType.StartObject:
                    conversationFields = true;
                    ReadMetadata(ref reader, ref error);
                    break;
                case "status" or "transcript":
                    conversationFields = true;
                    reader.Skip();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        return (conversationId, agentId, conversationFields);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, ref string? error)
    {
        while (error is null && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name is "start_time_unix_secs" or "accepted_time_unix_secs") Seconds(ref reader, "data.metadata." + name, ref error);
            else reader.Skip();
        }
    }

    /// <summary>A string id (null allowed): at most <see cref="MaxIdLength"/> characters, no control characters.</summary>
    private static string? Id(ref Utf8JsonReader reader, string field, ref string? error)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.String)
        {
            error = $"\"{field}\" must be a string.";
            reader.Skip();
            return null;
        }
        var value = reader.GetString()!;
        if (value.Length > MaxIdLength) error = $"\"{field}\" is longer than {MaxIdLength} characters.";
        else if (value.Any(char.IsControl)) error = $"\"{field}\" contains control characters.";
        return error is null ? value : null;
    }

    /// <summary>A time in unix seconds (null or 0: absent); milliseconds are recognised and converted.</summary>
    private static long? Seconds(ref Utf8JsonReader reader, string field, ref string? error)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.Number)
        {
            error = $"\"{field}\" must be a number of unix seconds.";
            reader.Skip();
            return null;
        }
        if (reader.TryGetDouble(out var value) && value == 0) return null;
        if (!reader.TryGetDouble(out value) || !ElevenLabs.UnixTime.TryRead(value, out var time))
        {
            error = $"\"{field}\" is not a time in unix seconds or milliseconds.";
            return null;
        }
        return time.ToUnixTimeSeconds();
    }

    /// <summary>
    /// <c>yyyy/MM/dd/&lt;type&gt;/&lt;conversation&gt;/&lt;sha256&gt;.json</c>. The date comes from the event, not the
    /// arrival, so an identical redelivery on another day still writes the same blob.
    /// </summary>
    public string BlobName(string bodySha256, DateTimeOffset receivedAt)
    {
        var date = ElevenLabs.UnixTime.Read(EventTimestamp) ?? receivedAt;
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

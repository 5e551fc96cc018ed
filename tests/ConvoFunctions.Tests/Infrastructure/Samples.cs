using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoFunctions.Detection;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Tests.Infrastructure;

/// <summary>
/// Conversations as the API answers them, built from the repository's fixtures: as JSON text, as JSON objects, as
/// variants of copies, and as the production parser reads them.
/// </summary>
internal static class Samples
{
    /// <summary>The key the detection tests' ElevenLabs stand-in expects.</summary>
    public const string ApiKey = "xi_test_key_0123456789";

    public static JsonObject RealJson() => JsonNode.Parse(Fixtures.Text(Fixtures.ConversationReal))!.AsObject();

    public static JsonObject BlankJson() => JsonNode.Parse(Fixtures.Text(Fixtures.ConversationBlank))!.AsObject();

    /// <summary>When the samples count as read: ten minutes after the fixtures' calls, so they are settled.</summary>
    public static readonly DateTimeOffset ReadAt = DateTimeOffset.FromUnixTimeSeconds(1763996400).AddMinutes(10);

    public static ObservedConversation Parse(JsonObject json) => ObservedConversation.From(Facts(json, ReadAt));

    /// <summary>A conversation as the API describes it, read at <paramref name="readAt"/> (enrichment's reading).</summary>
    public static ConversationFacts Facts(JsonObject json, DateTimeOffset readAt) => ConversationFacts.FromConversation(
        JsonSerializer.Deserialize<ConversationDto>(json.ToJsonString(), ElevenLabs.ElevenLabsJson.Options)!,
        (string)json["conversation_id"]!, FactSources.Api, eventTime: null, readAt);

    public static ObservedConversation Real => Parse(RealJson());

    public static ObservedConversation Blank => Parse(BlankJson());

    /// <summary>
    /// A blank session without any phone metadata (an SDK or signed-URL session of the same agent), started at
    /// <paramref name="startUnix"/>: no <c>phone_call</c>, no caller, no call id.
    /// </summary>
    public static JsonObject Session(string id, long startUnix, string source)
    {
        var copy = Variant(BlankJson(), id, startUnix, null);
        copy["metadata"]!.AsObject().Remove("phone_call");
        copy["metadata"]!["conversation_initiation_source"] = source;
        var variables = copy["conversation_initiation_client_data"]!["dynamic_variables"]!.AsObject();
        foreach (var name in new[] { "system__caller_id", "system__called_number", "system__call_sid" }) variables.Remove(name);
        return copy;
    }

    /// <summary>A copy of a fixture with another id, start time and (optionally) call SID.</summary>
    public static JsonObject Variant(JsonObject json, string id, long startUnix, string? callSid)
    {
        var copy = JsonNode.Parse(json.ToJsonString())!.AsObject();
        copy["conversation_id"] = id;
        copy["metadata"]!["start_time_unix_secs"] = startUnix;
        var phone = copy["metadata"]!["phone_call"]!.AsObject();
        phone["call_sid"] = callSid;
        copy["conversation_initiation_client_data"]!["dynamic_variables"]!["system__call_sid"] = callSid;
        return copy;
    }

    public static string RealConversation => Fixtures.Text(Fixtures.ConversationReal);

    public static string BlankConversation => Fixtures.Text(Fixtures.ConversationBlank);

    /// <summary>conversation-real.json under another id, changed by <paramref name="change"/>.</summary>
    public static string Variant(string conversationId, Action<JsonObject> change)
    {
        var json = JsonNode.Parse(RealConversation)!.AsObject();
        json["conversation_id"] = conversationId;
        json["conversation_initiation_client_data"]!["dynamic_variables"]!["system__conversation_id"] = conversationId;
        change(json);
        return json.ToJsonString();
    }

    public static void WithoutPhone(JsonObject conversation)
    {
        conversation["metadata"]!.AsObject().Remove("phone_call");
        var variables = conversation["conversation_initiation_client_data"]!["dynamic_variables"]!.AsObject();
        variables.Remove("system__call_sid");
        variables.Remove("system__caller_id");
        variables.Remove("system__called_number");
    }

    public static Action<JsonObject> WithPhone(JsonObject phoneCall) => conversation =>
    {
        conversation["metadata"]!["phone_call"] = phoneCall;
        // system__call_sid exists for Twilio calls only.
        conversation["conversation_initiation_client_data"]!["dynamic_variables"]!.AsObject().Remove("system__call_sid");
    };

    /// <summary>A post_call_transcription webhook body whose data is the given conversation.</summary>
    public static byte[] TranscriptionWebhook(string conversationJson, long eventTimestamp = 1763996550) =>
        System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["type"] = "post_call_transcription",
            ["event_timestamp"] = eventTimestamp,
            ["data"] = JsonNode.Parse(conversationJson),
        }.ToJsonString());
}

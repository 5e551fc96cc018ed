using System.Text.Json.Nodes;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Enrichment;

/// <summary>Conversations as the API answers them: the recorded fixtures, and variants made from copies of them.</summary>
internal static class EnrichmentSamples
{
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

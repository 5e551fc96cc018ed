using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConvoFunctions.ElevenLabs;

// Shapes of the ElevenLabs Agents API answers, read leniently: unknown fields are ignored, omitted fields are null,
// and parts whose shape we do not rely on stay JsonElement so that a change there cannot break parsing.

/// <summary><c>GET /v1/convai/conversations/{conversation_id}</c>; also the <c>data</c> of a post_call_transcription webhook.</summary>
internal sealed record ConversationDto
{
    [JsonPropertyName("agent_id")] public string? AgentId { get; init; }
    [JsonPropertyName("agent_name")] public string? AgentName { get; init; }
    [JsonPropertyName("conversation_id")] public string? ConversationId { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("transcript")] public JsonElement[]? Transcript { get; init; }
    [JsonPropertyName("metadata")] public ConversationMetadataDto? Metadata { get; init; }
    [JsonPropertyName("conversation_initiation_client_data")] public InitiationClientDataDto? InitiationClientData { get; init; }
    [JsonPropertyName("has_audio")] public bool? HasAudio { get; init; }
    [JsonPropertyName("has_user_audio")] public bool? HasUserAudio { get; init; }
    [JsonPropertyName("has_response_audio")] public bool? HasResponseAudio { get; init; }
    [JsonPropertyName("has_auxiliary_audio")] public bool? HasAuxiliaryAudio { get; init; }
}

internal sealed record ConversationMetadataDto
{
    [JsonPropertyName("start_time_unix_secs")] public double? StartTimeUnixSecs { get; init; }
    [JsonPropertyName("accepted_time_unix_secs")] public double? AcceptedTimeUnixSecs { get; init; }
    [JsonPropertyName("call_duration_secs")] public double? CallDurationSecs { get; init; }
    [JsonPropertyName("termination_reason")] public string? TerminationReason { get; init; }
    [JsonPropertyName("error")] public ConversationErrorDto? Error { get; init; }
    [JsonPropertyName("text_only")] public bool? TextOnly { get; init; }
    [JsonPropertyName("phone_call")] public PhoneCallDto? PhoneCall { get; init; }

    /// <summary>What opened the conversation: twilio, sip_trunk, exotel, js_sdk, python_sdk, widget, … or unknown.</summary>
    [JsonPropertyName("conversation_initiation_source")] public string? ConversationInitiationSource { get; init; }
    [JsonPropertyName("conversation_initiation_source_version")] public string? ConversationInitiationSourceVersion { get; init; }

    /// <summary>How the session was authorized: signed_url, authorization_header, public, ….</summary>
    [JsonPropertyName("authorization_method")] public string? AuthorizationMethod { get; init; }
}

/// <summary><c>metadata.error</c>: why the platform ended or refused the conversation.</summary>
internal sealed record ConversationErrorDto
{
    [JsonPropertyName("code")] public int? Code { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
}

/// <summary>
/// <c>metadata.phone_call</c>, a union on <c>type</c>: <c>twilio</c> and <c>exotel</c> carry <c>call_sid</c> and
/// <c>stream_sid</c>; <c>sip_trunking</c> carries <c>call_sid</c> and may carry <c>call_id</c> and SIP header variables.
/// </summary>
internal sealed record PhoneCallDto
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("direction")] public string? Direction { get; init; }
    [JsonPropertyName("phone_number_id")] public string? PhoneNumberId { get; init; }
    [JsonPropertyName("agent_number")] public string? AgentNumber { get; init; }
    [JsonPropertyName("external_number")] public string? ExternalNumber { get; init; }
    [JsonPropertyName("call_sid")] public string? CallSid { get; init; }
    [JsonPropertyName("stream_sid")] public string? StreamSid { get; init; }
    [JsonPropertyName("call_id")] public string? CallId { get; init; }
    [JsonPropertyName("sip_header_dynamic_variables")] public JsonElement? SipHeaderDynamicVariables { get; init; }
}

internal sealed record InitiationClientDataDto
{
    [JsonPropertyName("dynamic_variables")] public Dictionary<string, JsonElement>? DynamicVariables { get; init; }

    /// <summary>A dynamic variable as text (numbers and booleans as their JSON text); null when absent or null.</summary>
    public string? Variable(string name) =>
        DynamicVariables is not null && DynamicVariables.TryGetValue(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => value.GetRawText(),
            }
            : null;
}

/// <summary><c>GET /v1/convai/conversations</c>: one page of the conversation list.</summary>
internal sealed record ConversationListDto
{
    [JsonPropertyName("conversations")] public ConversationSummaryDto[]? Conversations { get; init; }
    [JsonPropertyName("has_more")] public bool? HasMore { get; init; }
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

internal sealed record ConversationSummaryDto
{
    [JsonPropertyName("agent_id")] public string? AgentId { get; init; }
    [JsonPropertyName("agent_name")] public string? AgentName { get; init; }
    [JsonPropertyName("conversation_id")] public string? ConversationId { get; init; }
    [JsonPropertyName("start_time_unix_secs")] public double? StartTimeUnixSecs { get; init; }
    [JsonPropertyName("call_duration_secs")] public double? CallDurationSecs { get; init; }
    [JsonPropertyName("message_count")] public int? MessageCount { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("call_successful")] public string? CallSuccessful { get; init; }
    [JsonPropertyName("direction")] public string? Direction { get; init; }

    /// <summary>What opened it: lets discovery skip the detail read of a conversation that can never join a call.</summary>
    [JsonPropertyName("conversation_initiation_source")] public string? ConversationInitiationSource { get; init; }
}

/// <summary>Filters of <c>GET /v1/convai/conversations</c>; null ones are not sent.</summary>
internal sealed record ConversationListQuery(
    string? AgentId = null,
    string? Cursor = null,
    int? PageSize = null,
    DateTimeOffset? StartedAfter = null,
    DateTimeOffset? StartedBefore = null);

internal static class ElevenLabsJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };
}

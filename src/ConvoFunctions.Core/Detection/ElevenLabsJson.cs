using System.Globalization;
using System.Text.Json;

namespace ConvoFunctions.Detection;

/// <summary>
/// Tolerant readers for ElevenLabs API bodies: unknown fields are ignored, a missing or mistyped field reads as null.
/// </summary>
internal static class ElevenLabsJson
{
    /// <summary>A conversation detail (<c>GET /v1/convai/conversations/{id}</c>, also the transcription webhook's <c>data</c>).</summary>
    public static ObservedConversation? ParseConversation(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return null;
        var id = Str(root, "conversation_id");
        if (id is null) return null;

        var metadata = Obj(root, "metadata");
        var phone = metadata is { } m ? Obj(m, "phone_call") : null;
        var variables = Obj(root, "conversation_initiation_client_data") is { } init ? Obj(init, "dynamic_variables") : null;

        var provider = phone is { } p1 ? Str(p1, "type") : null;
        var callSid = (phone is { } p2 ? Str(p2, "call_sid") : null) ?? (variables is { } v1 ? Str(v1, "system__call_sid") : null);
        var caller = (phone is { } p3 ? Str(p3, "external_number") : null) ?? (variables is { } v2 ? Str(v2, "system__caller_id") : null);
        var start = metadata is { } m1 && Long(m1, "start_time_unix_secs") is { } secs ? DateTimeOffset.FromUnixTimeSeconds(secs) : DateTimeOffset.MinValue;
        var transcript = root.TryGetProperty("transcript", out var t) && t.ValueKind == JsonValueKind.Array ? t.GetArrayLength() : 0;

        return new ObservedConversation(
            ConversationId: id,
            AgentId: Str(root, "agent_id") ?? "",
            CallKey: ObservedConversation.CallKeyFor(provider, callSid),
            Provider: provider,
            Direction: phone is { } p4 ? Str(p4, "direction") : null,
            CallSid: callSid,
            Caller: caller,
            StartTime: start,
            DurationSecs: (int)(metadata is { } m2 ? Long(m2, "call_duration_secs") ?? 0 : 0),
            Status: Str(root, "status") ?? "unknown",
            HasAudio: Bool(root, "has_audio") ?? false,
            MessageCount: transcript,
            TerminationReason: metadata is { } m3 ? Str(m3, "termination_reason") : null);
    }

    /// <summary>A page of <c>GET /v1/convai/conversations</c>.</summary>
    public static ConversationPage ParsePage(JsonElement root)
    {
        var items = new List<ConversationSummary>();
        if (root.TryGetProperty("conversations", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || Str(item, "conversation_id") is not { } id) continue;
                items.Add(new ConversationSummary(
                    id,
                    Str(item, "agent_id"),
                    Long(item, "start_time_unix_secs") is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : DateTimeOffset.MinValue,
                    (int)(Long(item, "call_duration_secs") ?? 0),
                    (int)(Long(item, "message_count") ?? 0),
                    Str(item, "status"),
                    Str(item, "direction")));
            }
        }
        return new ConversationPage(items, Bool(root, "has_more") ?? false, Str(root, "next_cursor"));
    }

    /// <summary><c>GET /v1/workspace/webhooks</c>.</summary>
    public static IReadOnlyList<WorkspaceWebhook> ParseWebhooks(JsonElement root)
    {
        var result = new List<WorkspaceWebhook>();
        if (!root.TryGetProperty("webhooks", out var list) || list.ValueKind != JsonValueKind.Array) return result;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || Str(item, "webhook_id") is not { } id) continue;
            result.Add(new WorkspaceWebhook(
                id,
                Str(item, "name"),
                Str(item, "webhook_url"),
                Bool(item, "is_disabled") ?? false,
                Bool(item, "is_auto_disabled") ?? false,
                (int?)Long(item, "most_recent_failure_error_code"),
                Long(item, "most_recent_failure_timestamp") is { } ts ? DateTimeOffset.FromUnixTimeSeconds(ts) : null));
        }
        return result;
    }

    private static JsonElement? Obj(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => string.IsNullOrWhiteSpace(v.GetString()) ? null : v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    private static long? Long(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt64(out var l)) return l;
            if (v.TryGetDouble(out var d)) return (long)Math.Round(d);
        }
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)) return s;
        return null;
    }

    private static bool? Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        } : null;
}

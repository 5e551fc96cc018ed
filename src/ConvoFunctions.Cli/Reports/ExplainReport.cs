using System.Globalization;
using System.Text;
using System.Text.Json;
using ConvoFunctions.Alerts;
using ConvoFunctions.Conversations;
using ConvoFunctions.Detection;
using ConvoFunctions.Initiation;
using ConvoFunctions.Privacy;
using ConvoFunctions.Telephony;

namespace ConvoFunctions.Cli.Reports;

/// <summary>
/// One call as <c>convo explain</c> shows it: its conversations (as grouped, and the API's facts of each, in the same
/// order), the masked caller, the call-start requests the app recorded (null: not asked for), and for a call with more
/// than one conversation its telephony evidence, the likely cause and the support report.
/// </summary>
internal sealed record ExplainedCall(
    DuplicateGroup Group,
    IReadOnlyList<ConversationFacts> Facts,
    string MaskedCaller,
    IReadOnlyList<InitiationRecord>? InitiationRequests,
    TelephonyEvidence? Telephony,
    string? LikelyCause,
    string? SupportReport);

/// <summary>
/// Renders <c>convo explain</c>: per call, support's checklist side by side for its conversations (status, start and
/// accepted time in UTC and unix, duration, agent and user messages, the four audio flags, initiation source, version
/// and authorization, termination reason, error), the verdict, the likely cause and the support report.
/// </summary>
internal static class ExplainReport
{
    public static readonly string[] Formats = ["text", "json", "md"];

    public static string Render(IReadOnlyList<ExplainedCall> calls, IReadOnlyList<string> notFound, string format) => format switch
    {
        "json" => Json(calls, notFound),
        "md" => Markdown(calls, notFound),
        _ => Text(calls, notFound),
    };

    /// <summary>The checklist's rows: a label and the value for one conversation.</summary>
    internal static IReadOnlyList<(string Label, Func<ObservedConversation, ConversationFacts, bool, string> Value)> Checklist { get; } =
    [
        ("judged", (c, _, probable) => (c.IsBlank ? "blank" : "real") + (probable ? " (probable sibling)" : "")),
        ("status", (c, _, _) => c.Status),
        ("start (UTC)", (c, _, _) => Utc(c.StartTime)),
        ("start (unix)", (c, _, _) => c.StartTime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        ("accepted (UTC)", (c, _, _) => c.AcceptedTime is { } at ? Utc(at) : c.Accepted == false ? "never accepted" : "unknown"),
        ("accepted (unix)", (c, _, _) => c.AcceptedTime?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) ?? "-"),
        ("duration", (c, _, _) => c.DurationSecs.ToString(CultureInfo.InvariantCulture) + " s"),
        ("agent messages", (_, f, _) => AgentMessages(f)?.ToString(CultureInfo.InvariantCulture) ?? "unknown"),
        ("user messages", (_, f, _) => f.UserMessageCount?.ToString(CultureInfo.InvariantCulture) ?? "unknown"),
        ("has_audio", (_, f, _) => Flag(f.HasAudio)),
        ("has_user_audio", (_, f, _) => Flag(f.HasUserAudio)),
        ("has_response_audio", (_, f, _) => Flag(f.HasResponseAudio)),
        ("has_auxiliary_audio", (_, f, _) => Flag(f.HasAuxiliaryAudio)),
        ("initiation source", (c, _, _) => c.Origin.SourceName),
        ("source version", (c, _, _) => c.Origin.SourceVersion ?? "-"),
        ("authorization", (c, _, _) => c.Origin.AuthorizationMethod ?? "-"),
        ("termination reason", (c, _, _) => string.IsNullOrEmpty(c.TerminationReason) ? "none" : PhoneMask.MaskText(c.TerminationReason)),
        ("error", (c, _, _) => Error(c) ?? "none"),
        ("provider", (c, _, _) => c.Provider ?? "-"),
        ("call id", (c, _, _) => c.CallSid ?? "-"),
    ];

    /// <summary>Transcript messages that are not the caller's (the agent's); null when the source did not count them.</summary>
    internal static int? AgentMessages(ConversationFacts facts) =>
        facts is { MessageCount: { } all, UserMessageCount: { } user } ? all - user : null;

    private static string Text(IReadOnlyList<ExplainedCall> calls, IReadOnlyList<string> notFound)
    {
        var sb = new StringBuilder();
        foreach (var call in calls)
        {
            sb.AppendLine(Title(call));
            sb.AppendLine(string.Join("   ", Facts(call).Select(f => f.Name + ": " + f.Value)));
            sb.AppendLine();
            var rows = Rows(call);
            var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
            foreach (var row in rows)
            {
                sb.AppendLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
            }
            sb.AppendLine();
            foreach (var line in Findings(call)) sb.AppendLine(line);
            if (call.SupportReport is { } report)
            {
                sb.AppendLine();
                sb.AppendLine("Support report (paste into an ElevenLabs ticket):");
                sb.AppendLine(new string('-', 72));
                sb.Append(report);
                sb.AppendLine(new string('-', 72));
            }
            sb.AppendLine();
        }
        foreach (var id in notFound) sb.AppendLine($"{id}: not found.");
        return sb.ToString();
    }

    private static string Markdown(IReadOnlyList<ExplainedCall> calls, IReadOnlyList<string> notFound)
    {
        var sb = new StringBuilder();
        foreach (var call in calls)
        {
            sb.Append("## ").AppendLine(Title(call));
            sb.AppendLine();
            foreach (var (name, value) in Facts(call)) sb.Append("- **").Append(name).Append(":** ").AppendLine(Md(value));
            sb.AppendLine();
            var rows = Rows(call);
            sb.AppendLine("| " + string.Join(" | ", rows[0].Select(Md)) + " |");
            sb.AppendLine("|" + string.Concat(rows[0].Select(_ => " --- |")));
            foreach (var row in rows.Skip(1)) sb.AppendLine("| " + string.Join(" | ", row.Select(Md)) + " |");
            sb.AppendLine();
            foreach (var line in Findings(call))
            {
                // Evidence items are a list (sub-items nested), everything else a paragraph of its own.
                if (line.StartsWith("      ", StringComparison.Ordinal)) sb.Append("  - ").AppendLine(Md(line.TrimStart()));
                else if (line.StartsWith("  - ", StringComparison.Ordinal)) sb.AppendLine(Md(line[2..]));
                else sb.AppendLine().AppendLine(Md(line));
            }
            sb.AppendLine();
            if (call.SupportReport is { } report)
            {
                sb.AppendLine("### Support report");
                sb.AppendLine();
                sb.AppendLine("```text");
                sb.Append(report);
                sb.AppendLine("```");
                sb.AppendLine();
            }
        }
        foreach (var id in notFound) sb.AppendLine($"- `{id}`: not found.");
        return sb.ToString();
    }

    private static string Json(IReadOnlyList<ExplainedCall> calls, IReadOnlyList<string> notFound) =>
        JsonSerializer.Serialize(new
        {
            calls = calls.Select(call => new Dictionary<string, object?>
            {
                ["call_key"] = call.Group.IsFuzzy ? null : call.Group.Key,
                ["verdict"] = call.Group.Verdict.Describe(),
                ["conversation_count"] = call.Group.Conversations.Count,
                ["agent_id"] = call.Group.First.AgentId,
                ["caller"] = call.MaskedCaller,
                ["provider"] = call.Group.Any(c => c.Provider),
                ["direction"] = call.Group.Any(c => c.Direction),
                ["call_sid"] = call.Group.Any(c => c.CallSid),
                ["conversations"] = call.Group.Conversations.Select((c, i) => JsonConversation(c, call.Facts[i], call.Group.Probable.Contains(c.ConversationId))),
                ["initiation_requests"] = call.InitiationRequests?.Select(r => new
                {
                    received_at = r.ReceivedAt.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
                    caller = PhoneMask.Mask(r.CallerId, "unknown"),
                }),
                ["telephony"] = call.Telephony is { } telephony ? TelephonyJson(telephony) : null,
                ["likely_cause"] = call.LikelyCause,
                ["support_report"] = call.SupportReport,
            }),
            not_found = notFound,
        }, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;

    private static Dictionary<string, object?> JsonConversation(ObservedConversation c, ConversationFacts f, bool probable) => new()
    {
        ["conversation_id"] = c.ConversationId,
        ["blank"] = c.IsBlank,
        ["probable_sibling"] = probable,
        ["status"] = c.Status,
        ["start_time"] = c.StartTime.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
        ["start_time_unix_secs"] = c.StartTime.ToUnixTimeSeconds(),
        ["accepted"] = c.Accepted,
        ["accepted_time"] = c.AcceptedTime?.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
        ["accepted_time_unix_secs"] = c.AcceptedTime?.ToUnixTimeSeconds(),
        ["duration_secs"] = c.DurationSecs,
        ["agent_messages"] = AgentMessages(f),
        ["user_messages"] = f.UserMessageCount,
        ["has_audio"] = f.HasAudio,
        ["has_user_audio"] = f.HasUserAudio,
        ["has_response_audio"] = f.HasResponseAudio,
        ["has_auxiliary_audio"] = f.HasAuxiliaryAudio,
        ["initiation_source"] = c.Origin.Source,
        ["initiation_source_version"] = c.Origin.SourceVersion,
        ["authorization_method"] = c.Origin.AuthorizationMethod,
        ["termination_reason"] = c.TerminationReason is null ? null : PhoneMask.MaskText(c.TerminationReason),
        ["error_code"] = c.ErrorCode,
        ["error_reason"] = c.ErrorReason is null ? null : PhoneMask.MaskText(c.ErrorReason),
        ["provider"] = c.Provider,
        ["call_id"] = c.CallSid,
    };

    private static string Title(ExplainedCall call) =>
        (call.Group.IsFuzzy ? "Call without a telephony id" : "Call " + call.Group.Key) + ": "
        + call.Group.Conversations.Count.ToString(CultureInfo.InvariantCulture)
        + (call.Group.IsDuplicate ? $" conversations ({call.Group.Verdict.Describe()})" : " conversation");

    private static IEnumerable<(string Name, string Value)> Facts(ExplainedCall call)
    {
        yield return ("Agent", call.Group.First.AgentId);
        yield return ("Caller", call.MaskedCaller);
        yield return ("Provider", call.Group.Any(c => c.Provider) ?? "unknown");
        yield return ("Direction", call.Group.Any(c => c.Direction) ?? "unknown");
    }

    /// <summary>The checklist as rows of cells: a header row of conversation ids, then one row per item.</summary>
    private static List<string[]> Rows(ExplainedCall call)
    {
        var members = call.Group.Conversations;
        var rows = new List<string[]> { members.Select(c => c.ConversationId).Prepend("").ToArray() };
        foreach (var (label, value) in Checklist)
        {
            rows.Add(members.Select((c, i) => value(c, call.Facts[i], call.Group.Probable.Contains(c.ConversationId))).Prepend(label).ToArray());
        }
        return rows;
    }

    /// <summary>What follows the checklist: the verdict, the call-start requests (when read), the likely cause.</summary>
    private static IEnumerable<string> Findings(ExplainedCall call)
    {
        yield return "Verdict: " + call.Group.Verdict.Describe()
            + (call.Group.IsDuplicate ? "" : ": this call produced one conversation, as it should.");
        if (call.InitiationRequests is { } requests)
        {
            yield return "Call start: " + (requests.Count == 0
                ? "the app recorded no initiation request for this call"
                : Diagnosis.Requests(requests.Select(r => r.ReceivedAt).ToList()));
        }
        if (call.LikelyCause is { } cause) yield return cause;
        if (call.Telephony is { IsEmpty: false } telephony)
        {
            yield return "Telephony evidence:";
            foreach (var line in telephony.Describe()) yield return "  " + (line.StartsWith(' ') ? "    " + line.TrimStart() : "- " + line);
        }
    }

    /// <summary>The evidence as lines for people, and structured: numbers masked, URLs without their query.</summary>
    private static Dictionary<string, object?> TelephonyJson(TelephonyEvidence evidence) => new()
    {
        ["evidence"] = evidence.Describe().Select(line => line.TrimStart()).ToList(),
        ["twilio"] = evidence.Twilio.Select(t => new Dictionary<string, object?>
        {
            ["call"] = TwilioCallJson(t.Call),
            ["legs"] = t.Legs.Select(TwilioCallJson).ToList(),
            ["events"] = t.Events?.Select(r => new Dictionary<string, object?>
            {
                ["at"] = Iso(r.At),
                ["method"] = r.Method,
                ["url"] = TelephonyUrls.Show(r.Url),
                ["response_code"] = r.ResponseCode,
                ["duration_ms"] = r.DurationMs,
                ["fallback"] = r.IsFallback,
                ["error_code"] = r.ErrorCode,
                ["error_url"] = r.ErrorUrl is null ? null : TelephonyUrls.Show(r.ErrorUrl),
                ["status_callback"] = r.IsStatusCallback,
            }).ToList(),
            ["events_readable_from"] = Iso(t.EventsReadableFrom),
            ["notifications"] = t.Notifications.Select(n => new Dictionary<string, object?>
            {
                ["error_code"] = n.ErrorCode,
                ["level"] = n.IsError ? "error" : "warning",
                ["at"] = Iso(n.At),
                ["request_url"] = n.RequestUrl is null ? null : TelephonyUrls.Show(n.RequestUrl),
            }).ToList(),
            ["number"] = t.Number is not { } number ? null : new Dictionary<string, object?>
            {
                ["phone_number"] = PhoneMask.Mask(number.PhoneNumber),
                ["voice_url"] = TelephonyUrls.Show(number.VoiceUrl),
                ["voice_fallback_url"] = TelephonyUrls.Show(number.VoiceFallbackUrl),
                ["status_callback"] = TelephonyUrls.Show(number.StatusCallback),
                ["voice_application_sid"] = number.VoiceApplicationSid,
                ["trunk_sid"] = number.TrunkSid,
                ["date_updated"] = Iso(number.DateUpdated),
            },
        }).ToList(),
        ["sip"] = evidence.Sip is not { } sip ? null : new Dictionary<string, object?>
        {
            ["conversations_read"] = sip.ConversationsRead,
            ["invites"] = sip.Invites.Select(i => new Dictionary<string, object?>
            {
                ["call_id"] = i.CallId,
                ["at"] = Iso(i.At),
                ["remote_address"] = i.RemoteAddress,
                ["transport"] = i.Transport,
                ["conversation_ids"] = i.ConversationIds,
            }).ToList(),
        },
        ["gaps"] = evidence.Gaps,
    };

    private static Dictionary<string, object?> TwilioCallJson(TwilioCall call) => new()
    {
        ["sid"] = call.Sid,
        ["parent_call_sid"] = call.ParentCallSid,
        ["direction"] = call.Direction,
        ["status"] = call.Status,
        ["from"] = PhoneMask.Mask(call.From, "unknown"),
        ["to"] = call.To is { } to && (to.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || to.StartsWith("sips:", StringComparison.OrdinalIgnoreCase))
            ? TelephonyUrls.Show(to) : PhoneMask.Mask(call.To, "unknown"),
        ["start_time"] = Iso(call.StartTime),
        ["end_time"] = Iso(call.EndTime),
        ["duration_secs"] = call.DurationSeconds,
        ["trunk_sid"] = call.TrunkSid,
    };

    private static string? Iso(DateTimeOffset? time) => time?.UtcDateTime.ToString("o", CultureInfo.InvariantCulture);

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    private static string Flag(bool? value) => value switch { true => "true", false => "false", null => "unknown" };

    private static string? Error(ObservedConversation c) =>
        c.ErrorCode is null && c.ErrorReason is null ? null
        : (c.ErrorCode?.ToString(CultureInfo.InvariantCulture) ?? "") + (c.ErrorReason is { } reason ? (c.ErrorCode is null ? "" : ": ") + PhoneMask.MaskText(reason) : "");

    /// <summary>A cell or line of Markdown: pipes and line breaks would end the table row.</summary>
    private static string Md(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

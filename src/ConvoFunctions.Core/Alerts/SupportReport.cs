using System.Globalization;
using System.Text;
using ConvoFunctions.Detection;
using ConvoFunctions.Telephony;

namespace ConvoFunctions.Alerts;

/// <summary>
/// The plain-text report to paste into an ElevenLabs support ticket: what their support asks for when one call
/// produced two conversations (every conversation id with its start time and status, the call SID, direction, provider).
/// </summary>
internal static class SupportReport
{
    /// <summary>
    /// A conversation's status as alerts show it: with the reason of an initiation failure, and marked when it joined
    /// the call only as a probable sibling (no phone metadata to join on).
    /// </summary>
    public static string Status(ObservedConversation c, bool probable) =>
        c.Status
        + (c.FailureReason is { Length: > 0 } reason ? $" (initiation failure: {reason})" : "")
        + (probable ? " (probable sibling: no phone metadata, started next to the call)" : "");

    public static string ForDuplicate(DuplicateGroup group, string maskedCaller, TelephonyEvidence? telephony = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine("Subject: One phone call produced " + group.Conversations.Count.ToString(CultureInfo.InvariantCulture) + " conversations");
        sb.AppendLine();
        sb.AppendLine("Hello ElevenLabs support,");
        sb.AppendLine();
        sb.AppendLine("a single phone call to our agent created more than one conversation. Details:");
        sb.AppendLine();
        sb.AppendLine("Agent ID:    " + group.First.AgentId);
        sb.AppendLine("Call SID:    " + (group.Any(c => c.CallSid) ?? "not available"));
        sb.AppendLine("Provider:    " + (group.Any(c => c.Provider) ?? "unknown"));
        sb.AppendLine("Direction:   " + (group.Any(c => c.Direction) ?? "unknown"));
        sb.AppendLine("Caller:      " + maskedCaller + " (masked)");
        sb.AppendLine("Verdict:     " + group.Verdict.Describe());
        if (group.InitiationRequests.Count > 0) sb.AppendLine("Call start:  " + Diagnosis.Requests(group.InitiationRequests));
        sb.AppendLine();
        sb.AppendLine("Conversations:");
        foreach (var c in group.Conversations)
        {
            sb.Append("- ").Append(c.ConversationId)
              .Append("  started ").Append(c.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(" UTC")
              .Append(" (unix ").Append(c.StartTime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)).Append(')')
              .Append("  status ").Append(Status(c, group.Probable.Contains(c.ConversationId)))
              .Append("  duration ").Append(c.DurationSecs.ToString(CultureInfo.InvariantCulture)).Append(" s")
              .Append("  messages ").Append(c.MessageCount.ToString(CultureInfo.InvariantCulture))
              .Append("  has_audio ").Append(c.HasAudio ? "true" : "false")
              .Append("  termination ").Append(string.IsNullOrEmpty(c.TerminationReason) ? "none" : c.TerminationReason)
              .Append("  source ").Append(c.Origin.Describe())
              .Append(c.IsBlank ? "  [blank]" : "  [real]")
              .AppendLine();
            sb.Append("    ").AppendLine(ConversationEvidence.Of(c));
        }
        if (telephony is not null && !telephony.IsEmpty)
        {
            sb.AppendLine();
            sb.AppendLine("Telephony evidence:");
            // Indented lines (each request of a call's log) belong to the line above them.
            foreach (var line in telephony.Describe()) sb.Append(line.StartsWith(' ') ? "  - " : "- ").AppendLine(line.TrimStart());
        }
        sb.AppendLine();
        sb.AppendLine(Diagnosis.Of(group, telephony));
        sb.AppendLine();
        sb.AppendLine("Could you tell us why the second conversation was created for the same call?");
        return sb.ToString();
    }
}

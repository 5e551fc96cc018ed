using System.Globalization;
using System.Text;
using ConvoFunctions.Detection;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Alerts;

/// <summary>
/// The posts of an incident: opened, roll-up, resolved, reopened. Each is an <see cref="Alert"/> under the incident's
/// own ledger key, generation <c>e{episode}-{sequence}</c>, so every channel renders it as it renders a call's alert and
/// the ledger sends it once.
/// </summary>
internal static class IncidentPosts
{
    public const string KeyPrefix = "incident:";

    public static string KeyOf(IncidentPattern pattern) => TableKeys.Sanitize(KeyPrefix + pattern.Key);

    public static Func<int, Alert> Opened(Incident incident, DateTimeOffset now) => sequence => Compose(incident, sequence, now,
        Alert.IncidentOpenedKind,
        $"Recurring: {Calls(incident.Count)} of agent {incident.Pattern.AgentId} produced {incident.Pattern.Describe()} since {Time(incident.FirstSeen)}",
        $"Duplicates of this pattern now recur: the first {incident.Count - 1} were alerted one by one, the rest are counted here. "
        + "Further calls fold into this incident: a roll-up at most every roll-up interval, and a post when it resolves.");

    public static Func<int, Alert> Reopened(Incident incident, DateTimeOffset now) => sequence => Compose(incident, sequence, now,
        Alert.IncidentReopenedKind,
        $"Back: agent {incident.Pattern.AgentId} produced {incident.Pattern.Describe()} again",
        $"This pattern was resolved at {Time(incident.ResolvedAt)} and has come back: a regression. Further calls fold into this incident.");

    public static Func<int, Alert> Rollup(Incident incident, DateTimeOffset now) => sequence => Compose(incident, sequence, now,
        Alert.IncidentRollupKind,
        $"Still recurring: {Calls(incident.Count)} of agent {incident.Pattern.AgentId} produced {incident.Pattern.Describe()} since {Time(incident.FirstSeen)}",
        incident.QuietNoted
            ? $"No duplicate since {Time(incident.LastSeen)}, but the agent has taken no call since then either, so it cannot be called fixed: the incident stays open until calls show it stopped."
            : $"{Calls(incident.Count - PreviousCount(incident))} joined since the last post; {Rate(incident)}.");

    public static Func<int, Alert> Resolved(Incident incident, DateTimeOffset now) => sequence => Compose(incident, sequence, now,
        Alert.IncidentResolvedKind,
        $"Resolved: agent {incident.Pattern.AgentId} stopped producing {incident.Pattern.Describe()} after {Calls(incident.Count)}",
        $"No duplicate of this pattern since {Time(incident.LastSeen)} while the agent kept taking calls. "
        + $"It lasted {Duration(incident)} ({Time(incident.FirstSeen)} to {Time(incident.LastSeen)}).");

    private static Alert Compose(Incident incident, int sequence, DateTimeOffset now, string kind, string title, string summary)
    {
        var facts = new List<AlertFact>
        {
            new("Agent", incident.Pattern.AgentId),
            new("Pattern", incident.Pattern.Describe()),
            new("Calls", incident.Count.ToString(CultureInfo.InvariantCulture)),
            new("First seen", Time(incident.FirstSeen)),
            new("Last seen", Time(incident.LastSeen)),
            new("Calls per hour", incident.CallsPerHour.ToString("0.#", CultureInfo.InvariantCulture)),
        };
        if (kind == Alert.IncidentResolvedKind) facts.Add(new("Lasted", Duration(incident)));
        if (incident.Cause.Length > 0) facts.Add(new("Likely cause", incident.Cause));
        facts.Add(new("Every call", $"convo calls --since {Since(incident, now)} (each call lists its incident)"));

        return new Alert(kind, KeyOf(incident.Pattern), incident.Generation(sequence), sequence > 0, title, summary, facts,
            [.. incident.Examples.SelectMany(e => e.Conversations)], Report(incident, now), now);
    }

    /// <summary>The support report for ElevenLabs: the pattern, its count and rate, and both ids of each example call.</summary>
    private static string Report(Incident incident, DateTimeOffset now)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Subject: Recurring duplicate conversations on agent {incident.Pattern.AgentId} ({Calls(incident.Count)} since {Time(incident.FirstSeen)})");
        sb.AppendLine();
        sb.AppendLine("Hello ElevenLabs support,");
        sb.AppendLine();
        sb.AppendLine("one inbound phone call keeps producing more than one conversation on our agent. Details:");
        sb.AppendLine();
        sb.AppendLine("Agent ID:        " + incident.Pattern.AgentId);
        sb.AppendLine("Verdict:         " + incident.Pattern.Verdict.Describe());
        sb.AppendLine("Calls affected:  " + incident.Count.ToString(CultureInfo.InvariantCulture));
        sb.AppendLine("First seen:      " + Time(incident.FirstSeen));
        sb.AppendLine("Last seen:       " + Time(incident.LastSeen));
        sb.AppendLine("Calls per hour:  " + incident.CallsPerHour.ToString("0.#", CultureInfo.InvariantCulture));
        if (incident.Cause.Length > 0) sb.AppendLine("Likely cause:    " + incident.Cause);
        sb.AppendLine();
        sb.AppendLine($"Example calls ({incident.Examples.Count} of {incident.Count}), each with its conversations:");
        foreach (var example in incident.Examples)
        {
            sb.AppendLine();
            sb.AppendLine($"Call {example.Call}, started {Time(example.StartedAt)}:");
            foreach (var c in example.Conversations)
            {
                sb.AppendLine($"  {c.ConversationId}  status={c.Status}  start={c.StartTime.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}  "
                    + $"duration={c.DurationSecs.ToString(CultureInfo.InvariantCulture)}s  has_audio={(c.HasAudio ? "true" : "false")}  messages={c.MessageCount.ToString(CultureInfo.InvariantCulture)}");
            }
        }
        sb.AppendLine();
        sb.AppendLine("Could you tell us why one call produces more than one conversation, and whether the extra ones are billed?");
        return sb.ToString();
    }

    private static int PreviousCount(Incident incident) => incident.LastPostCount;

    private static string Rate(Incident incident) => incident.CallsPerHour.ToString("0.#", CultureInfo.InvariantCulture) + " calls an hour";

    private static string Calls(int count) => count == 1 ? "1 call" : count.ToString(CultureInfo.InvariantCulture) + " calls";

    private static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "unknown";

    private static string Duration(Incident incident)
    {
        var span = (incident.LastSeen ?? default) - (incident.FirstSeen ?? default);
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min" : $"{Math.Max(1, (int)Math.Ceiling(span.TotalMinutes))} min";
    }

    /// <summary>A <c>--since</c> that covers the whole incident: whole hours from its first call, rounded up.</summary>
    private static string Since(Incident incident, DateTimeOffset now) =>
        ((int)Math.Ceiling((now - (incident.FirstSeen ?? now)).TotalHours) + 1).ToString(CultureInfo.InvariantCulture) + "h";
}

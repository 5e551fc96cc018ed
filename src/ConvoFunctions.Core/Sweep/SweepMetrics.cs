using ConvoFunctions.Alerts;
using ConvoFunctions.Conversations;
using ConvoFunctions.Detection;
using ConvoFunctions.Metrics;

namespace ConvoFunctions.Sweep;

/// <summary>What the sweep records about the calls it judged, so that each site in <see cref="DuplicateSweep"/> is one line.</summary>
internal static class SweepMetrics
{
    /// <summary>
    /// A judged call whose alert was raised: counted when the alert is new (a first alert or a follow-up) and, when a
    /// channel took it, how long after the call settled that was. Verdicts that do not alert are counted where judged.
    /// </summary>
    public static void CallAlerted(this ConvoMetrics metrics, Verdict verdict, string? agentId, IncidentOutcome routed, DateTimeOffset settledAt, DateTimeOffset now)
    {
        // A call folded into its incident is counted once, when it is folded: the incident's posts report it.
        if (routed is { Decision: IncidentDecision.Folded, New: true }) metrics.Duplicate(verdict, agentId, alerted: true);
        CallAlerted(metrics, verdict, agentId, routed.Call, Alert.DuplicateKind, settledAt, now);
    }

    public static void CallAlerted(this ConvoMetrics metrics, Verdict verdict, string? agentId, AlertOutcome? outcome, string kind, DateTimeOffset settledAt, DateTimeOffset now)
    {
        if (outcome is not { Created: true }) return;
        metrics.Duplicate(verdict, agentId, alerted: true);
        if (outcome.Sent.Count > 0) metrics.TimeToAlert(kind, now - settledAt);
    }

    /// <summary>
    /// When the last conversation of the group could first be judged: the end of a conversation that is over (final
    /// status, post-call facts, an initiation failure), else its start plus the settle delay, after which the sweep
    /// judges it whatever its status says.
    /// </summary>
    public static DateTimeOffset SettledAt(DuplicateGroup group, TimeSpan settleDelay) =>
        group.Conversations.Max(c => IsOver(c) ? c.StartTime.AddSeconds(c.DurationSecs) : c.StartTime + settleDelay);

    private static bool IsOver(ObservedConversation conversation) =>
        conversation.FailureReason is not null || conversation.Source is FactSources.Webhook or FactSources.InitiationFailure
        || ConversationClassifier.IsFinal(conversation.Status);
}

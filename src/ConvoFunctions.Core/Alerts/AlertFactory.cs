using ConvoFunctions.Privacy;
using System.Globalization;
using ConvoFunctions.Detection;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Alerts;

/// <summary>Composes alerts: masks the caller, links the dashboard, writes the support report.</summary>
internal sealed class AlertFactory(IOptions<AlertOptions> options)
{
    /// <param name="group">The call's conversations.</param>
    /// <param name="key">The alert's identity: the key of the call's earlier alert, else the group's natural key.</param>
    /// <param name="previous">The call's earlier alert when this one is a follow-up to it.</param>
    /// <param name="telephony">What Twilio and the SIP log showed when it was raised, if anything.</param>
    public Alert ForDuplicate(DuplicateGroup group, string key, Alert? previous, DateTimeOffset now, Telephony.TelephonyEvidence? telephony = null)
    {
        var settings = options.Value;
        var followUp = previous is not null;
        var caller = PhoneMask.Mask(group.Any(c => c.Caller), "unknown");
        var verdict = group.Verdict;
        var conversations = group.Conversations.Select(c => new AlertConversation(
            c.ConversationId, SupportReport.Status(c, group.Probable.Contains(c.ConversationId)), c.IsBlank, c.StartTime, c.DurationSecs,
            c.HasAudio, c.MessageCount, c.TerminationReason, settings.ConversationUrl(c.ConversationId), c.Origin.Label(),
            ConversationEvidence.Of(c))).ToList();
        var alreadyAlerted = previous?.Conversations.Select(c => c.ConversationId).ToHashSet(StringComparer.Ordinal) ?? [];
        var added = group.ConversationIds.Where(id => !alreadyAlerted.Contains(id)).ToList();
        var callSid = group.Any(c => c.CallSid) ?? "unknown";

        var facts = new List<AlertFact>
        {
            new("Call", group.IsFuzzy ? "no call SID (matched by agent, caller and time)" : callSid),
            new("Caller", caller),
            new("Agent", group.First.AgentId),
            new("Provider", group.Any(c => c.Provider) ?? "unknown"),
            new("Direction", group.Any(c => c.Direction) ?? "unknown"),
            new("Verdict", verdict.Describe()),
            new("Conversations", group.Conversations.Count.ToString(CultureInfo.InvariantCulture)),
        };
        if (group.InitiationRequests.Count > 0) facts.Add(new("Call start", Diagnosis.Requests(group.InitiationRequests)));
        facts.Add(new("Likely cause", Diagnosis.WithoutLabel(Diagnosis.Of(group, telephony))));
        if (telephony is { IsEmpty: false }) facts.Add(new("Telephony", string.Join("; ", telephony.Describe().Select(l => l.Trim()))));
        if (group.Probable.Count > 0) facts.Add(new("Probable siblings", string.Join(", ", group.Probable.Order(StringComparer.Ordinal))));
        if (followUp) facts.Add(new("New since the first alert", string.Join(", ", added)));
        var title = (followUp ? "Follow-up: " : "") +
            $"One call produced {group.Conversations.Count} conversations ({verdict.Describe()})";
        var summary = followUp
            ? $"The call already alerted on has grown to {group.Conversations.Count} conversations; new: {string.Join(", ", added)}."
            : $"A phone call from {caller} to agent {group.First.AgentId} produced {group.Conversations.Count} ElevenLabs conversations.";

        return new Alert(Alert.DuplicateKind, key, Generation(group), followUp, title, summary, facts, conversations,
            SupportReport.ForDuplicate(group, caller, telephony), now);
    }

    /// <summary>
    /// The follow-up of a call alerted before Twilio's request log was readable, now that it is and changes the likely
    /// cause. Its own ledger key (<c>evidence:</c> + the call's alert key), so it is posted once per channel and never
    /// mistaken for a new generation of the call.
    /// </summary>
    public Alert ForTelephonyEvidence(DuplicateGroup group, string alertKey, string generation, Telephony.TelephonyEvidence telephony, DateTimeOffset now)
    {
        var caller = PhoneMask.Mask(group.Any(c => c.Caller), "unknown");
        var cause = Diagnosis.Of(group, telephony);
        var facts = new List<AlertFact>
        {
            new("Call", group.Any(c => c.CallSid) ?? "unknown"),
            new("Agent", group.First.AgentId),
            new("Conversations", string.Join(", ", group.ConversationIds)),
            new("Likely cause", Diagnosis.WithoutLabel(cause)),
            new("Telephony", string.Join("; ", telephony.Describe().Select(l => l.Trim()))),
        };
        return new Alert(Alert.TelephonyEvidenceKind, TableKeys.Sanitize("evidence:" + alertKey), generation, true,
            "Telephony evidence: " + Diagnosis.WithoutLabel(cause).Split(',')[0],
            $"Twilio's request log for the call alerted earlier ({alertKey}) is readable now and changes its likely cause.",
            facts, [], SupportReport.ForDuplicate(group, caller, telephony), now);
    }

    /// <summary>
    /// A call that started (ElevenLabs asked the initiation route) but has no conversation after the settle delay and
    /// a look-up through the list endpoint. Generation <c>0000</c>: conversations found later raise the call's
    /// duplicate alert as a follow-up under the same key.
    /// </summary>
    /// <param name="callKey">The call's key, which is also the alert's.</param>
    /// <param name="maskedCaller">The caller, already masked (<see cref="PhoneMask"/>).</param>
    public Alert ForNoConversation(string callKey, string? agentId, string maskedCaller, IReadOnlyList<DateTimeOffset> requests, DateTimeOffset now)
    {
        var call = Conversations.CallKey.Normalize(callKey);
        var agent = agentId ?? "unknown";
        var starts = Diagnosis.Requests(requests);
        var facts = new List<AlertFact>
        {
            new("Call", call),
            new("Caller", maskedCaller),
            new("Agent", agent),
            new("Verdict", Verdict.NoConversation.Describe()),
            new("Call start", starts),
            new("Conversations", "0"),
        };
        var report = string.Join(Environment.NewLine,
            "Subject: A phone call started but produced no conversation",
            "",
            "Hello ElevenLabs support,",
            "",
            "your platform asked our conversation-initiation webhook about a call, but no conversation exists for it",
            "(none in the conversation list of the agent around that time). Details:",
            "",
            "Agent ID:    " + agent,
            "Call SID:    " + call,
            "Caller:      " + maskedCaller + " (masked)",
            "Call start:  " + starts,
            "",
            "Could you tell us what happened to this call after the initiation request?");
        return new Alert(Alert.NoConversationKind, callKey, "0000", false,
            "A call started but produced no conversation",
            $"ElevenLabs asked the initiation webhook about a call from {maskedCaller} to agent {agent}, and no conversation exists for it.",
            facts, [], report, now);
    }

    /// <summary>The ledger generation of a duplicate group: its conversation count, so a grown group alerts once more.</summary>
    public static string Generation(DuplicateGroup group) => group.Conversations.Count.ToString("D4", CultureInfo.InvariantCulture);

    public Alert ForWebhookHealth(string incidentKey, string incidentId, string title, string summary, IReadOnlyList<AlertFact> facts, DateTimeOffset now)
    {
        var report = string.Join(Environment.NewLine,
            new[] { "ElevenLabs webhook problem", "", summary, "" }
                .Concat(facts.Select(f => $"{f.Name}: {f.Value}"))
                .Append("")
                .Append("Please check the webhook under ElevenLabs settings → Webhooks and re-enable it if it was auto-disabled."));
        return new Alert(Alert.WebhookHealthKind, incidentKey, incidentId, false, title, summary, facts, [], report, now);
    }

    /// <summary>A clearly marked test alert (<c>convo test-alert</c>): no call, nothing to report to ElevenLabs.</summary>
    public static Alert ForTest(DateTimeOffset now) => new(
        Alert.TestKind, "test-alert", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), false,
        "TEST: ConvoFunctions alert check (no action needed)",
        "convo test-alert sent this to check that alerts reach this channel. No call produced a duplicate.",
        [new("Test", "yes: ignore this alert"), new("Sent at (UTC)", now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))],
        [],
        "This is a test alert from convo test-alert. There is nothing to report to ElevenLabs support.",
        now);
}

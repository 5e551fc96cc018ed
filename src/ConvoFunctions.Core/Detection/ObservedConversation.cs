using ConvoFunctions.Correlation;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Enrichment;

namespace ConvoFunctions.Detection;

/// <summary>
/// One conversation as detection sees it: the facts the grouping, the classification and the alerts need, whether it
/// came from our tables (<see cref="IConversationWindow"/>) or from the ElevenLabs API (<see cref="IConversationDirectory"/>).
/// </summary>
internal sealed record ObservedConversation(
    string ConversationId,
    string AgentId,
    string? CallKey,
    string? Provider,
    string? Direction,
    string? CallSid,
    string? Caller,
    DateTimeOffset StartTime,
    int DurationSecs,
    string Status,
    bool HasAudio,
    int MessageCount,
    string? TerminationReason)
{
    /// <summary>Computed from the fields by <see cref="ConversationClassifier"/>; never stored.</summary>
    public bool IsBlank => ConversationClassifier.IsBlank(this);

    /// <summary>A conversation from the API, read with the same rules (call key, counterpart) as enrichment.</summary>
    public static ObservedConversation FromApi(ConversationDto conversation, string conversationId) =>
        From(ConversationFacts.FromConversation(conversation, conversationId, FactSources.Api, eventTime: null));

    public static ObservedConversation From(ConversationFacts facts) => new(
        facts.ConversationId,
        facts.AgentId ?? "",
        facts.CallKey,
        facts.Provider,
        facts.Direction,
        facts.CallSid ?? facts.SipCallId,
        facts.CounterpartNumber,
        facts.ActivityTime ?? DateTimeOffset.MinValue,
        facts.DurationSeconds ?? 0,
        facts.Status ?? "unknown",
        facts.HasAudio == true,
        facts.MessageCount ?? 0,
        facts.TerminationReason);

    /// <summary>A conversation from the <c>activity</c> table.</summary>
    public static ObservedConversation From(ActivityRow row) => new(
        row.RowKey,
        row.AgentId ?? "",
        string.IsNullOrEmpty(row.CallKey) ? null : row.CallKey,
        row.Provider,
        row.Direction,
        row.CallSid,
        row.ExternalNumber,
        row.StartTime ?? DateTimeOffset.MinValue,
        row.DurationSeconds ?? 0,
        row.Status ?? "unknown",
        row.HasAudio == true,
        row.MessageCount ?? 0,
        row.TerminationReason);
}

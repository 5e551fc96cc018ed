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

    /// <summary>The call key the tables use: <c>provider:call_sid</c> (e.g. <c>twilio:CA…</c>), or null without a SID.</summary>
    public static string? CallKeyFor(string? provider, string? callSid) =>
        string.IsNullOrWhiteSpace(callSid) ? null
        : $"{(string.IsNullOrWhiteSpace(provider) ? "unknown" : provider.Trim().ToLowerInvariant())}:{callSid.Trim()}";
}

using ConvoFunctions.Correlation;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Detection;

/// <summary>
/// One conversation as detection sees it: the facts the grouping, the judgement and the alerts need, whether it came
/// from our tables (<see cref="DetectionRow"/>) or from the ElevenLabs API (<see cref="IConversationDirectory"/>).
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
    string? TerminationReason,
    string? FailureReason = null,
    DateTimeOffset? ReadAt = null,
    bool Discovered = false,
    string? Source = null)
{
    /// <summary>Keys of the conversation's other telephony ids (a SIP <c>call_id</c>, a differing <c>system__call_sid</c>).</summary>
    public IReadOnlyList<string> OtherCallKeys { get; init; } = [];

    /// <summary>How it was opened and authorized (<c>metadata.conversation_initiation_source</c>, its version, <c>authorization_method</c>).</summary>
    public ConversationOrigin Origin { get; init; } = ConversationOrigin.Unknown;

    /// <summary>Every call key (telephony id) of the conversation, <see cref="CallKey"/> first.</summary>
    public IEnumerable<string> CallKeys => CallKey is null ? [] : OtherCallKeys.Prepend(CallKey).Distinct(StringComparer.Ordinal);

    /// <summary>Caller messages; null on rows recorded before they were counted (every message then counts).</summary>
    public int? UserMessageCount { get; init; }

    /// <summary><c>has_user_audio</c>; null when the source did not say.</summary>
    public bool? HasUserAudio { get; init; }

    /// <summary>Evidence for people: whether and when it was accepted (null: the source did not say), the platform's error, chat only.</summary>
    public bool? Accepted { get; init; }
    public DateTimeOffset? AcceptedTime { get; init; }
    public int? ErrorCode { get; init; }
    public string? ErrorReason { get; init; }
    public bool? TextOnly { get; init; }

    /// <summary><c>Detection:BlankMaxSeconds</c>, set by the grouping that judges it (<see cref="GroupingRules"/>).</summary>
    public int BlankMaxSeconds { get; init; } = ConversationClassifier.DefaultBlankMaxSeconds;

    /// <summary>The caller never spoke (<see cref="ConversationClassifier.IsBlank"/>); computed, never stored.</summary>
    public bool IsBlank => ConversationClassifier.IsBlank(
        Source != FactSources.NotFound && (Status != ConversationClassifier.Unknown || FailureReason is not null),
        UserMessageCount, MessageCount, HasUserAudio, DurationSecs, BlankMaxSeconds);

    /// <summary>Whether it may be a probable sibling of a call it carries no id of (<see cref="ConversationOrigin.MayBeProbableSibling"/>).</summary>
    public bool MayBeProbableSibling => Origin.MayBeProbableSibling(TextOnly == true);

    /// <summary>A phone call: it has a provider, a telephony id or a caller number. An SDK, web or widget session has none.</summary>
    public bool IsPhoneCall => Provider is not null || CallKey is not null || Caller is not null;

    /// <summary>Whether it may be judged blank or real yet (see <see cref="ConversationClassifier.IsSettled"/>).</summary>
    /// <remarks>
    /// Facts from a post-call webhook or an initiation failure describe an attempt that is over, and a conversation
    /// the API does not know will not change: settled whatever they say.
    /// </remarks>
    public bool IsSettled(TimeSpan settleDelay) =>
        FailureReason is not null || Source is FactSources.Webhook or FactSources.InitiationFailure or FactSources.NotFound
        || ConversationClassifier.IsSettled(Status, StartTime, ReadAt, settleDelay);

    /// <summary>A conversation from the API, read with the same rules (call key, counterpart) as enrichment.</summary>
    public static ObservedConversation FromApi(ConversationDto conversation, string conversationId, DateTimeOffset readAt) =>
        From(ConversationFacts.FromConversation(conversation, conversationId, FactSources.Api, eventTime: null, readAt));

    public static ObservedConversation From(ConversationFacts facts) => new(
        facts.ConversationId,
        facts.AgentId ?? "",
        facts.CallKey,
        facts.Provider,
        facts.Direction,
        facts.CallSid ?? facts.SipCallId ?? facts.SystemCallSid,
        facts.CounterpartNumber,
        facts.ActivityTime ?? DateTimeOffset.MinValue,
        facts.DurationSeconds ?? 0,
        facts.Status ?? ConversationClassifier.Unknown,
        facts.AnyAudio,
        facts.MessageCount ?? 0,
        facts.TerminationReason,
        facts.FailureReason,
        facts.ReadAt,
        facts.Discovered,
        facts.Source)
    {
        OtherCallKeys = facts.CallKeys.Skip(1).ToList(),
        Origin = new(facts.InitiationSource, facts.InitiationSourceVersion, facts.AuthorizationMethod),
        UserMessageCount = facts.UserMessageCount,
        HasUserAudio = facts.HasUserAudio,
        Accepted = facts.Accepted,
        AcceptedTime = facts.AcceptedTime,
        ErrorCode = facts.ErrorCode,
        ErrorReason = facts.ErrorReason,
        TextOnly = facts.TextOnly,
    };

    /// <summary>A conversation from the <c>calls</c> or <c>activity</c> table.</summary>
    public static ObservedConversation From(DetectionRow row) => new(
        row.RowKey,
        row.AgentId ?? "",
        CorrelationKeys.CallKey(row.CallKey),
        row.Provider,
        row.Direction,
        row.CallSid,
        row.ExternalNumber,
        row.StartTime ?? DateTimeOffset.MinValue,
        row.DurationSeconds ?? 0,
        row.Status ?? ConversationClassifier.Unknown,
        row.HasAudio == true,
        row.MessageCount ?? 0,
        row.TerminationReason,
        row.FailureReason,
        row.ReadAt,
        row.Discovered,
        row.Source)
    {
        OtherCallKeys = CorrelationKeys.SplitCallKeys(row.CallKeys).Where(k => k != CorrelationKeys.CallKey(row.CallKey)).ToList(),
        Origin = new(row.InitiationSource, row.InitiationSourceVersion, row.AuthorizationMethod),
        UserMessageCount = row.UserMessageCount,
        HasUserAudio = row.HasUserAudio,
        Accepted = row.Accepted,
        AcceptedTime = row.AcceptedTime,
        ErrorCode = row.ErrorCode,
        ErrorReason = row.ErrorReason,
        TextOnly = row.TextOnly,
    };
}

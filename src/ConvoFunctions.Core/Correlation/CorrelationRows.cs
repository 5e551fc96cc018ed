using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Correlation;

/// <summary>
/// The columns every per-conversation row (<c>conversations</c>, <c>calls</c>, <c>activity</c>) holds with the same
/// meaning, filled from the facts in one place.
/// </summary>
internal abstract class FactsRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>Every call key of the conversation (<see cref="Conversations.CallKey.Aliases"/>), space-separated.</summary>
    public string? CallKeys { get; set; }
    public string? AgentId { get; set; }
    public string? Direction { get; set; }
    public string? Status { get; set; }
    public bool IsBlank { get; set; }
    public string? Source { get; set; }
    public int? DurationSeconds { get; set; }
    public int? MessageCount { get; set; }

    /// <summary>Null on rows written before it was recorded: the blank rule then counts every message as the caller's.</summary>
    public int? UserMessageCount { get; set; }
    public bool? HasUserAudio { get; set; }
    public string? TerminationReason { get; set; }
    public string? FailureReason { get; set; }
    public DateTimeOffset? AcceptedTime { get; set; }

    /// <summary>Null on rows written before it was recorded, and when the source did not say.</summary>
    public bool? Accepted { get; set; }
    public int? ErrorCode { get; set; }
    public string? ErrorReason { get; set; }
    public bool? TextOnly { get; set; }
    public string? Provider { get; set; }
    public string? AgentNumber { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
    public bool Discovered { get; set; }
    public string? InitiationSource { get; set; }
    public string? InitiationSourceVersion { get; set; }
    public string? AuthorizationMethod { get; set; }

    protected void FillShared(ConversationFacts facts)
    {
        CallKeys = CorrelationKeys.JoinCallKeys(facts.CallKeys);
        AgentId = facts.AgentId;
        Direction = facts.Direction;
        Status = facts.Status;
        IsBlank = facts.IsBlank;
        Source = facts.Source;
        DurationSeconds = facts.DurationSeconds;
        MessageCount = facts.MessageCount;
        UserMessageCount = facts.UserMessageCount;
        HasUserAudio = facts.HasUserAudio;
        TerminationReason = facts.TerminationReason;
        FailureReason = facts.FailureReason;
        AcceptedTime = facts.AcceptedTime;
        Accepted = facts.Accepted;
        ErrorCode = facts.ErrorCode;
        ErrorReason = facts.ErrorReason;
        TextOnly = facts.TextOnly;
        Provider = facts.Provider;
        AgentNumber = facts.AgentNumber;
        ReadAt = facts.ReadAt;
        Discovered = facts.Discovered;
        InitiationSource = facts.InitiationSource;
        InitiationSourceVersion = facts.InitiationSourceVersion;
        AuthorizationMethod = facts.AuthorizationMethod;
    }
}

/// <summary>
/// <c>conversations</c>: PartitionKey = conversation_id, RowKey = "". Every fact enrichment knows about one
/// conversation; a point read by id.
/// </summary>
internal sealed class ConversationRow : FactsRow
{
    public DateTimeOffset? StartTime { get; set; }
    public bool? HasAudio { get; set; }
    public bool? HasResponseAudio { get; set; }
    public bool? HasAuxiliaryAudio { get; set; }
    public string? CallKey { get; set; }
    public string? CallSid { get; set; }
    public string? SipCallId { get; set; }
    public string? StreamSid { get; set; }
    public string? PhoneNumberId { get; set; }
    public string? ExternalNumber { get; set; }
    public string? SystemCallSid { get; set; }
    public string? SystemCallerId { get; set; }
    public string? SystemCalledNumber { get; set; }
    public DateTimeOffset? EventTime { get; set; }

    public static ConversationRow From(ConversationFacts facts)
    {
        var row = new ConversationRow
        {
            PartitionKey = CorrelationKeys.Conversation(facts.ConversationId),
            RowKey = "",
            StartTime = facts.StartTime,
            HasAudio = facts.HasAudio,
            HasResponseAudio = facts.HasResponseAudio,
            HasAuxiliaryAudio = facts.HasAuxiliaryAudio,
            CallKey = facts.CallKey,
            CallSid = facts.CallSid,
            SipCallId = facts.SipCallId,
            StreamSid = facts.StreamSid,
            PhoneNumberId = facts.PhoneNumberId,
            ExternalNumber = facts.ExternalNumber,
            SystemCallSid = facts.SystemCallSid,
            SystemCallerId = facts.SystemCallerId,
            SystemCalledNumber = facts.SystemCalledNumber,
            EventTime = facts.EventTime,
        };
        row.FillShared(facts);
        return row;
    }
}

/// <summary>
/// What detection reads of one conversation, the same columns in <c>calls</c> and <c>activity</c>, so that either
/// index answers with everything the grouping, the judgement and the alert need and no row per conversation is read.
/// </summary>
internal abstract class DetectionRow : FactsRow
{
    public DateTimeOffset? StartTime { get; set; }
    public string CallKey { get; set; } = "";
    public string? ExternalNumber { get; set; }

    /// <summary>Any audio (own, user, agent or auxiliary).</summary>
    public bool? HasAudio { get; set; }
    public string? CallSid { get; set; }

    protected static T Create<T>(ConversationFacts facts, string partitionKey, DateTimeOffset? startTime) where T : DetectionRow, new()
    {
        var row = new T
        {
            PartitionKey = partitionKey,
            RowKey = CorrelationKeys.Conversation(facts.ConversationId),
            StartTime = startTime,
            CallKey = facts.CallKey ?? "",
            ExternalNumber = facts.CounterpartNumber,
            HasAudio = facts.AnyAudio,
            CallSid = facts.CallSid ?? facts.SipCallId ?? facts.SystemCallSid,
        };
        row.FillShared(facts);
        return row;
    }
}

/// <summary>
/// <c>calls</c>: PartitionKey = call key (the telephony id: <c>CA…</c>, a SIP Call-ID), RowKey = conversation_id.
/// A conversation with several telephony ids has a row under each of its keys, so all conversations sharing any id
/// of one call are found by partition queries, whatever their age.
/// </summary>
internal sealed class CallRow : DetectionRow
{
    public static CallRow From(ConversationFacts facts, string callKey) => Create<CallRow>(facts, callKey, facts.ActivityTime);
}

/// <summary>
/// <c>activity</c>: PartitionKey = <see cref="ActivityBuckets"/> hour of the start (or event) time, RowKey =
/// conversation_id. The time index for the fuzzy match (same agent, same counterpart number, close start times) and
/// for conversations that have no call key.
/// </summary>
internal sealed class ActivityRow : DetectionRow
{
    public static ActivityRow From(ConversationFacts facts, DateTimeOffset activityTime) =>
        Create<ActivityRow>(facts, ActivityBuckets.For(activityTime), activityTime);
}

/// <summary>
/// <c>changes</c>: PartitionKey = <see cref="ActivityBuckets"/> hour in which the conversation was recorded, RowKey =
/// conversation_id. What the sweep starts from: every conversation recorded or changed since its checkpoint, read
/// one partition per hour since then, so its cost follows the changes, not the history.
/// </summary>
internal sealed class ChangeRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    /// <summary>When the sweep finished searching this change's call for siblings; a new change of the conversation clears it.</summary>
    public DateTimeOffset? SearchedAt { get; set; }
    public DateTimeOffset? StartTime { get; set; }
    public string? AgentId { get; set; }
    public string? CallKeys { get; set; }

    public static ChangeRow From(ConversationFacts facts, DateTimeOffset recordedAt) => new()
    {
        PartitionKey = ActivityBuckets.For(recordedAt),
        RowKey = CorrelationKeys.Conversation(facts.ConversationId),
        RecordedAt = recordedAt,
        // Discovery found it by searching around its call: its neighbourhood needs no search of its own.
        SearchedAt = facts.Discovered ? recordedAt : null,
        StartTime = facts.ActivityTime,
        AgentId = facts.AgentId,
        CallKeys = CorrelationKeys.JoinCallKeys(facts.CallKeys),
    };

    /// <summary>
    /// A call-start (initiation) request is a change of its call: the sweep then reads the call's conversations and
    /// its initiation requests. RowKey <c>initiation~&lt;request id&gt;</c> never meets a conversation id (<c>conv_…</c>).
    /// Not marked searched: a call that never produced a conversation is looked up once through the list endpoint
    /// (the <c>NoConversation</c> verdict), and that look-up marks it.
    /// </summary>
    public static ChangeRow ForInitiation(string callKey, string requestId, string? agentId, DateTimeOffset receivedAt) => new()
    {
        PartitionKey = ActivityBuckets.For(receivedAt),
        RowKey = InitiationPrefix + CorrelationKeys.Conversation(requestId),
        RecordedAt = receivedAt,
        StartTime = receivedAt,
        AgentId = agentId,
        CallKeys = callKey,
    };

    public const string InitiationPrefix = "initiation~";

    /// <summary>The change is a call-start request, not a conversation.</summary>
    public bool IsInitiation => RowKey.StartsWith(InitiationPrefix, StringComparison.Ordinal);
}

internal static class CorrelationKeys
{
    /// <summary>Conversation ids are <c>conv_…</c>; sanitized all the same, as they come from outside.</summary>
    public static string Conversation(string conversationId) => Conversations.CallKey.Sanitize(conversationId);

    // Call keys are sanitized and never hold a space: a space-separated list is unambiguous.
    public static string JoinCallKeys(IEnumerable<string> keys) => string.Join(' ', keys);

    /// <summary>The keys of a row, in this build's form whenever the row was written (<see cref="Conversations.CallKey.Normalize"/>).</summary>
    public static IReadOnlyList<string> SplitCallKeys(string? keys) =>
        string.IsNullOrEmpty(keys) ? [] : keys.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Conversations.CallKey.Normalize).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>A row's primary call key in this build's form; null when it has none.</summary>
    public static string? CallKey(string? key) => string.IsNullOrEmpty(key) ? null : Conversations.CallKey.Normalize(key);
}

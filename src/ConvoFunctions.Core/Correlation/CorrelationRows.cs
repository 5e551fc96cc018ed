using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Enrichment;

namespace ConvoFunctions.Correlation;

/// <summary>
/// <c>conversations</c>: PartitionKey = conversation_id, RowKey = "". Every fact enrichment knows about one
/// conversation; a point read by id.
/// </summary>
internal sealed class ConversationRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Source { get; set; }
    public string? AgentId { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? StartTime { get; set; }
    public int? DurationSeconds { get; set; }
    public int? MessageCount { get; set; }
    public string? TerminationReason { get; set; }
    public bool? HasAudio { get; set; }
    public bool? HasUserAudio { get; set; }
    public bool? HasResponseAudio { get; set; }
    public bool IsBlank { get; set; }
    public string? CallKey { get; set; }
    public string? Provider { get; set; }
    public string? Direction { get; set; }
    public string? CallSid { get; set; }
    public string? SipCallId { get; set; }
    public string? StreamSid { get; set; }
    public string? PhoneNumberId { get; set; }
    public string? AgentNumber { get; set; }
    public string? ExternalNumber { get; set; }
    public string? SystemCallSid { get; set; }
    public string? SystemCallerId { get; set; }
    public string? SystemCalledNumber { get; set; }
    public string? FailureReason { get; set; }
    public DateTimeOffset? EventTime { get; set; }

    public static ConversationRow From(ConversationFacts facts) => new()
    {
        PartitionKey = CorrelationKeys.Conversation(facts.ConversationId),
        RowKey = "",
        Source = facts.Source,
        AgentId = facts.AgentId,
        Status = facts.Status,
        StartTime = facts.StartTime,
        DurationSeconds = facts.DurationSeconds,
        MessageCount = facts.MessageCount,
        TerminationReason = facts.TerminationReason,
        HasAudio = facts.HasAudio,
        HasUserAudio = facts.HasUserAudio,
        HasResponseAudio = facts.HasResponseAudio,
        IsBlank = facts.IsBlank,
        CallKey = facts.CallKey,
        Provider = facts.Provider,
        Direction = facts.Direction,
        CallSid = facts.CallSid,
        SipCallId = facts.SipCallId,
        StreamSid = facts.StreamSid,
        PhoneNumberId = facts.PhoneNumberId,
        AgentNumber = facts.AgentNumber,
        ExternalNumber = facts.ExternalNumber,
        SystemCallSid = facts.SystemCallSid,
        SystemCallerId = facts.SystemCallerId,
        SystemCalledNumber = facts.SystemCalledNumber,
        FailureReason = facts.FailureReason,
        EventTime = facts.EventTime,
    };
}

/// <summary>
/// <c>calls</c>: PartitionKey = call key (<c>twilio:CA…</c>, <c>sip:…</c>, <c>exotel:…</c>), RowKey = conversation_id.
/// All conversations of one call are one partition query; each row carries what duplicate detection shows.
/// </summary>
internal sealed class CallRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Source { get; set; }
    public string? AgentId { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? StartTime { get; set; }
    public int? DurationSeconds { get; set; }
    public int? MessageCount { get; set; }
    public bool? HasAudio { get; set; }
    public string? TerminationReason { get; set; }
    public bool IsBlank { get; set; }
    public string? Provider { get; set; }
    public string? Direction { get; set; }
    public string? AgentNumber { get; set; }
    public string? ExternalNumber { get; set; }
    public string? FailureReason { get; set; }

    public static CallRow From(ConversationFacts facts) => new()
    {
        PartitionKey = facts.CallKey ?? throw new ArgumentException("The conversation has no call key.", nameof(facts)),
        RowKey = CorrelationKeys.Conversation(facts.ConversationId),
        Source = facts.Source,
        AgentId = facts.AgentId,
        Status = facts.Status,
        StartTime = facts.StartTime,
        DurationSeconds = facts.DurationSeconds,
        MessageCount = facts.MessageCount,
        HasAudio = facts.HasAudio,
        TerminationReason = facts.TerminationReason,
        IsBlank = facts.IsBlank,
        Provider = facts.Provider,
        Direction = facts.Direction,
        AgentNumber = facts.AgentNumber,
        ExternalNumber = facts.CounterpartNumber,
        FailureReason = facts.FailureReason,
    };
}

/// <summary>
/// <c>activity</c>: PartitionKey = <see cref="ActivityBuckets"/> hour of the start (or event) time, RowKey =
/// conversation_id. The time index for "conversations started in the last N minutes" and for the fuzzy match
/// (same agent, same counterpart number, close start times) of conversations without a call key.
/// </summary>
internal sealed class ActivityRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset? StartTime { get; set; }
    public string CallKey { get; set; } = "";
    public string? AgentId { get; set; }
    public string? ExternalNumber { get; set; }
    public string? Direction { get; set; }
    public string? Status { get; set; }
    public bool IsBlank { get; set; }
    public string? Source { get; set; }

    // What detection shows and classifies by, so a sweep reads only the window's partitions, no row per conversation.
    public int? DurationSeconds { get; set; }
    public int? MessageCount { get; set; }
    public bool? HasAudio { get; set; }
    public string? TerminationReason { get; set; }
    public string? Provider { get; set; }
    public string? CallSid { get; set; }

    public static ActivityRow From(ConversationFacts facts, DateTimeOffset activityTime) => new()
    {
        PartitionKey = ActivityBuckets.For(activityTime),
        RowKey = CorrelationKeys.Conversation(facts.ConversationId),
        StartTime = activityTime,
        CallKey = facts.CallKey ?? "",
        AgentId = facts.AgentId,
        ExternalNumber = facts.CounterpartNumber,
        Direction = facts.Direction,
        Status = facts.Status,
        IsBlank = facts.IsBlank,
        Source = facts.Source,
        DurationSeconds = facts.DurationSeconds,
        MessageCount = facts.MessageCount,
        HasAudio = facts.HasAudio,
        TerminationReason = facts.TerminationReason,
        Provider = facts.Provider,
        CallSid = facts.CallSid ?? facts.SipCallId,
    };
}

internal static class CorrelationKeys
{
    /// <summary>Conversation ids are <c>conv_…</c>; sanitized all the same, as they come from outside.</summary>
    public static string Conversation(string conversationId) => Enrichment.CallKey.Sanitize(conversationId);
}

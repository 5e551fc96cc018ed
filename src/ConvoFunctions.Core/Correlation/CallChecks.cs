using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using ConvoFunctions.Conversations;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Correlation;

/// <summary>A conversation of a call that has two or more: the call is to be judged now, not at the next sweep.</summary>
internal sealed record CallCheckMessage(
    [property: JsonPropertyName("conversation_id")] string ConversationId,
    [property: JsonPropertyName("agent_id")] string? AgentId,
    [property: JsonPropertyName("call_keys")] string CallKeys,
    [property: JsonPropertyName("start_time")] DateTimeOffset? StartTime)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    public static CallCheckMessage Parse(string json) =>
        JsonSerializer.Deserialize<CallCheckMessage>(json) is { ConversationId.Length: > 0, CallKeys.Length: > 0 } message
            ? message
            : throw new JsonException("A call check needs a conversation id and its call keys.");

    /// <summary>The conversation as the sweep reads a change: its call and the conversations that started near it.</summary>
    public ChangeRow ToChange(DateTimeOffset now) => new()
    {
        PartitionKey = ActivityBuckets.For(now),
        RowKey = CorrelationKeys.Conversation(ConversationId),
        RecordedAt = now,
        // The sweep searches the call for siblings that sent no webhook; a check only judges what is recorded.
        SearchedAt = now,
        StartTime = StartTime,
        AgentId = AgentId,
        CallKeys = CallKeys,
    };
}

/// <summary>
/// The <c>call-checks</c> queue: when enrichment records a second conversation of a call, the call is judged at once
/// (or, if a conversation is too young to judge, once it has settled) instead of at the next sweep, which can be up to
/// a schedule interval away. Only a shortcut: the sweep judges every change anyway, and the alert ledger makes the
/// second judgement of a call raise nothing; so a check that cannot be queued is logged and dropped.
/// </summary>
internal sealed partial class CallChecks(StorageAccount storage, CorrelationRepository repository, ILogger<CallChecks> logger)
{
    /// <summary>Queues a check of the call when another conversation of it is recorded already.</summary>
    public async Task ScheduleIfSharedAsync(ConversationFacts facts, CancellationToken cancellationToken)
    {
        if (facts.CallKeys.Count == 0) return;
        try
        {
            var others = false;
            foreach (var key in facts.CallKeys)
            {
                others |= (await repository.GetCallAsync(key, cancellationToken)).Any(r => r.RowKey != CorrelationKeys.Conversation(facts.ConversationId));
                if (others) break;
            }
            if (!others) return;
            await SendAsync(new CallCheckMessage(facts.ConversationId, facts.AgentId, CorrelationKeys.JoinCallKeys(facts.CallKeys), facts.ActivityTime),
                TimeSpan.Zero, cancellationToken);
        }
        catch (RequestFailedException ex)
        {
            LogNotQueued(facts.ConversationId, ex.Status, ex.ErrorCode ?? "");
        }
    }

    /// <summary>Queues a check, visible after <paramref name="delay"/> (a call whose conversations settle later).</summary>
    public async Task SendAsync(CallCheckMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        var queue = storage.Queue(StorageNames.CallChecksQueue);
        await queue.WriteAsync(() => queue.SendMessageAsync(message.ToJson(), visibilityTimeout: delay, cancellationToken: cancellationToken), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The early check of conversation {conversation_id}'s call could not be queued ({status} {error_code}); the next sweep judges it")]
    private partial void LogNotQueued(string conversation_id, int status, string error_code);
}

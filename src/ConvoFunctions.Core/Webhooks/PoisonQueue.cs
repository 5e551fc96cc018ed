using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues.Models;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Webhooks;

/// <summary>How many poison messages <see cref="PoisonQueue.ReplayAsync"/> moved back, and how many it left.</summary>
internal sealed record ReplayResult(int Moved, int Skipped);

/// <summary>
/// <c>webhook-events-poison</c>. A message that failed its last delivery is written here as an envelope
/// <c>{"message": &lt;original message JSON&gt;, "reason": "&lt;ExceptionType: message&gt;", "attempts": n, "failed_at": "…"}</c>;
/// the Functions host may also move a bare message here. <see cref="ReplayAsync"/> takes either back.
/// </summary>
internal sealed class PoisonQueue(StorageAccount storage, TimeProvider time)
{
    private const int MaxReasonLength = 512;
    private static readonly TimeSpan ReplayVisibility = TimeSpan.FromMinutes(2);

    public async Task SendAsync(string originalMessage, Exception exception, long attempts, CancellationToken cancellationToken)
    {
        var envelope = new JsonObject
        {
            ["message"] = TryParseObject(originalMessage) ?? (JsonNode)JsonValue.Create(originalMessage),
            ["reason"] = Reason(exception),
            ["attempts"] = attempts,
            ["failed_at"] = time.GetUtcNow().ToString("O"),
        };
        var queue = storage.Queue(StorageNames.WebhookEventsPoisonQueue);
        await queue.WriteAsync(() => queue.SendMessageAsync(envelope.ToJsonString(), cancellationToken), cancellationToken);
    }

    /// <summary>The messages waiting in the poison queue, as the queue approximates them; 0 when it does not exist yet.</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await storage.Queue(StorageNames.WebhookEventsPoisonQueue).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return 0;
        }
    }

    /// <summary>
    /// <c>ExceptionType: message</c>, first line, bounded. Our exceptions never carry the API key (it only
    /// travels in a request header), and nothing from the request is added here.
    /// </summary>
    public static string Reason(Exception exception)
    {
        var message = exception.Message.Split('\n', 2)[0].Trim();
        var reason = $"{exception.GetType().Name}: {message}";
        return reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason;
    }

    /// <summary>
    /// Moves poison messages back to <c>webhook-events</c> (all, or those of one conversation): the original message
    /// is sent again, then the poison copy deleted. Messages left behind are made visible again straight away.
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(string? conversationId, CancellationToken cancellationToken)
    {
        var poison = storage.Queue(StorageNames.WebhookEventsPoisonQueue);
        var target = storage.Queue(StorageNames.WebhookEventsQueue);
        if (!await poison.ExistsAsync(cancellationToken)) return new ReplayResult(0, 0);
        await target.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

        var moved = 0;
        var skipped = new List<QueueMessage>();
        while (true)
        {
            QueueMessage[] batch = (await poison.ReceiveMessagesAsync(32, ReplayVisibility, cancellationToken)).Value;
            if (batch.Length == 0) break;
            foreach (var message in batch)
            {
                var original = Unwrap(message.Body.ToString());
                if (conversationId is not null && ConversationOf(original) != conversationId)
                {
                    skipped.Add(message);
                    continue;
                }
                await target.SendMessageAsync(original, cancellationToken);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                moved++;
            }
        }

        foreach (var message in skipped)
        {
            await poison.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
        }
        return new ReplayResult(moved, skipped.Count);
    }

    /// <summary>The original message text of an envelope; a bare (host-moved) message is returned as it is.</summary>
    public static string Unwrap(string poisonText)
    {
        if (TryParseObject(poisonText) is { } json && json.ContainsKey("reason") && json["message"] is { } inner)
        {
            return inner.GetValueKind() == JsonValueKind.String ? inner.GetValue<string>() : inner.ToJsonString();
        }
        return poisonText;
    }

    private static string? ConversationOf(string messageText)
    {
        try
        {
            return WebhookEventMessage.Parse(messageText).ConversationId;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonObject? TryParseObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

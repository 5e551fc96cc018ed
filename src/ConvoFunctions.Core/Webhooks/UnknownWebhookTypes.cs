using System.Collections.Concurrent;
using Azure.Data.Tables;
using ConvoFunctions.Metrics;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Webhooks;

/// <summary>An event type we do not know by name, as last seen (row <c>health</c>/<c>unknown_type~&lt;type&gt;</c> of <c>alerts</c>).</summary>
/// <param name="Enriched">Its <c>data</c> had a conversation's shape, so it was enriched like a transcription.</param>
internal sealed record UnknownWebhookType(string Type, DateTimeOffset LastSeenAt, bool Enriched);

/// <summary>
/// Webhook types ElevenLabs sends that this build does not know by name: counted on every arrival (metric
/// <c>convo.webhooks.unknown_type</c>, tagged by type and whether it was enriched), and once per type per UTC day per
/// instance logged as a warning and recorded for the health check. Never in the way of the webhook's answer.
/// </summary>
internal sealed partial class UnknownWebhookTypes(StorageAccount storage, ConvoMetrics metrics, ILogger<UnknownWebhookTypes> logger)
{
    private const string RowPrefix = "unknown_type~";

    // A signed sender cannot invent types without limit, but bound the memory all the same.
    private const int MaxRemembered = 200;

    private readonly ConcurrentDictionary<string, DateOnly> _noticedOn = new(StringComparer.Ordinal);

    private TableClient Table => storage.Table(StorageNames.AlertsTable);

    public async Task NoticeAsync(string type, string? conversationId, bool enriched, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        metrics.WebhookUnknownType(type, enriched);
        var day = DateOnly.FromDateTime(receivedAt.UtcDateTime);
        if (_noticedOn.TryGetValue(type, out var noticed) && noticed == day) return;
        if (_noticedOn.Count >= MaxRemembered) _noticedOn.Clear();
        _noticedOn[type] = day;

        if (enriched) LogEnriched(type, conversationId);
        else LogNotEnriched(type, conversationId);
        var row = new TableEntity(StorageNames.HealthPartition, TableKeys.Sanitize(RowPrefix + type, 512))
        {
            ["Type"] = type, ["LastSeenAt"] = receivedAt, ["Enriched"] = enriched,
        };
        try
        {
            await Table.WriteAsync(() => Table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken), cancellationToken);
        }
        catch
        {
            _noticedOn.TryRemove(type, out _); // the next one of its type records it
            throw;
        }
    }

    /// <summary>The unknown types seen since <paramref name="since"/>: one partition range query.</summary>
    public async Task<IReadOnlyList<UnknownWebhookType>> SeenSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var seen = new List<UnknownWebhookType>();
        await foreach (var row in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == StorageNames.HealthPartition && e.RowKey.CompareTo(RowPrefix) >= 0 && e.RowKey.CompareTo(RowPrefix + "~") < 0,
            cancellationToken: cancellationToken).MissingAsEmpty())
        {
            if (row.GetDateTimeOffset("LastSeenAt") is { } at && at >= since && row.GetString("Type") is { } type)
                seen.Add(new UnknownWebhookType(type, at, row.GetBoolean("Enriched") == true));
        }
        return seen;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook type {webhook_type} is not one this build knows (conversation {conversation_id}): archived, not enriched, and reported by the health check. Logged once a day per type.")]
    private partial void LogNotEnriched(string webhook_type, string? conversation_id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook type {webhook_type} is not one this build knows (conversation {conversation_id}), but its data is a conversation: enriched like a transcription. Logged once a day per type.")]
    private partial void LogEnriched(string webhook_type, string? conversation_id);
}

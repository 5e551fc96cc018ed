using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Correlation;

/// <summary>
/// Writes a conversation's facts as its <c>conversations</c>, <c>calls</c> and <c>activity</c> rows. Upserts in
/// Replace mode: the rows are a function of the facts, so a redelivered or replayed message changes nothing.
/// </summary>
internal sealed class CorrelationRepository(StorageAccount storage)
{
    public async Task UpsertAsync(ConversationFacts facts, CancellationToken cancellationToken)
    {
        var writes = new List<Task>(3)
        {
            UpsertAsync(StorageNames.ConversationsTable, ConversationRow.From(facts), cancellationToken),
        };
        if (facts.CallKey is not null) writes.Add(UpsertAsync(StorageNames.CallsTable, CallRow.From(facts), cancellationToken));
        if (facts.ActivityTime is { } time) writes.Add(UpsertAsync(StorageNames.ActivityTable, ActivityRow.From(facts, time), cancellationToken));
        await Task.WhenAll(writes);
    }

    public async Task<ConversationRow?> GetConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        var response = await storage.Table(StorageNames.ConversationsTable).GetEntityIfExistsAsync<ConversationRow>(
            CorrelationKeys.Conversation(conversationId), "", cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>All conversations of one call: one partition.</summary>
    public async Task<IReadOnlyList<CallRow>> GetCallAsync(string callKey, CancellationToken cancellationToken)
    {
        var rows = new List<CallRow>();
        await foreach (var row in storage.Table(StorageNames.CallsTable)
                           .QueryAsync<CallRow>(r => r.PartitionKey == callKey, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Conversations that started in <c>[from, to]</c>: one partition query per hour bucket.</summary>
    public async Task<IReadOnlyList<ActivityRow>> GetActivityAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.ActivityTable);
        var rows = new List<ActivityRow>();
        foreach (var bucket in ActivityBuckets.Covering(from, to))
        {
            await foreach (var row in table.QueryAsync<ActivityRow>(r => r.PartitionKey == bucket, cancellationToken: cancellationToken))
            {
                if (row.StartTime >= from && row.StartTime <= to) rows.Add(row);
            }
        }
        return rows;
    }

    private async Task UpsertAsync<T>(string tableName, T row, CancellationToken cancellationToken) where T : ITableEntity
    {
        var table = storage.Table(tableName);
        try
        {
            await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
        {
            // A fresh local account; in Azure the Bicep creates the tables.
            await table.CreateIfNotExistsAsync(cancellationToken);
            await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
        }
    }
}

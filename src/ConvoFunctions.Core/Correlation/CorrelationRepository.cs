using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Storage;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Correlation;

/// <summary>
/// Writes a conversation's facts as its <c>conversations</c>, <c>calls</c> and <c>activity</c> rows, and notes the
/// change in <c>changes</c> for the sweep. Replace mode: the rows are a function of the facts, so a redelivered or
/// replayed message changes nothing but the time of its change row. Never backwards: facts read before the ones
/// stored (a slow discovery read landing after enrichment's newer one) are dropped.
/// </summary>
internal sealed class CorrelationRepository(StorageAccount storage, StorageClock clock)
{
    /// <returns>False when newer facts were stored already, and nothing was written.</returns>
    public async Task<bool> UpsertAsync(ConversationFacts facts, CancellationToken cancellationToken)
    {
        if (await ReplaceConversationRowAsync(ConversationRow.From(facts), cancellationToken) is not { } recordedAt) return false;
        var writes = new List<Task>(4);
        foreach (var key in facts.CallKeys) writes.Add(UpsertAsync(StorageNames.CallsTable, CallRow.From(facts, key), cancellationToken));
        if (facts.ActivityTime is { } start) writes.Add(UpsertAsync(StorageNames.ActivityTable, ActivityRow.From(facts, start), cancellationToken));
        await Task.WhenAll(writes);

        // Last, once the rows it points to exist: a sweep that reads the change finds the conversation's rows.
        await UpsertAsync(StorageNames.ChangesTable, ChangeRow.From(facts, recordedAt), cancellationToken);
        return true;
    }

    /// <summary>
    /// Writes the <c>conversations</c> row unless the stored one was read later, conditionally on the row read (ETag),
    /// so that of two writers racing the later read wins whatever the order they land in.
    /// </summary>
    /// <returns>
    /// The storage service's time when the row was read before writing, the change's stamp: every writer's changes in one
    /// clock, whatever its own says. Null when newer facts were stored already.
    /// </returns>
    private async Task<DateTimeOffset?> ReplaceConversationRowAsync(ConversationRow row, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.ConversationsTable);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            ConversationRow? stored = null;
            Response? answer;
            try
            {
                var existing = await table.GetEntityIfExistsAsync<ConversationRow>(row.PartitionKey, row.RowKey,
                    select: [nameof(ConversationRow.ReadAt)], cancellationToken: cancellationToken);
                stored = existing.HasValue ? existing.Value : null;
                answer = existing.GetRawResponse();
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // No table yet: the add below creates it.
                answer = ex.GetRawResponse();
            }
            if (stored is not null && (stored.ReadAt ?? DateTimeOffset.MinValue) > (row.ReadAt ?? DateTimeOffset.MinValue)) return null;
            try
            {
                if (stored is null) await table.WriteAsync(() => table.AddEntityAsync(row, cancellationToken), cancellationToken);
                else await table.UpdateEntityAsync(row, stored.ETag, TableUpdateMode.Replace, cancellationToken);
                return clock.At(answer);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another writer landed first: compare with what it wrote.
            }
        }
        // Five writers in a row landed first: the conversation is being rewritten right now, and they win.
        return null;
    }

    /// <summary>Writes change rows in transactions: one per hour bucket and 100 rows (Table Storage's limits).</summary>
    public async Task UpsertChangesAsync(IEnumerable<ChangeRow> rows, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.ChangesTable);
        foreach (var bucket in rows.GroupBy(r => r.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var chunk in bucket.DistinctBy(r => r.RowKey, StringComparer.Ordinal).Chunk(100))
            {
                await table.WriteAsync(() => table.SubmitTransactionAsync(
                    chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), cancellationToken), cancellationToken);
            }
        }
    }

    /// <summary>Conversations recorded in <c>[from, to]</c>: one partition query per hour bucket.</summary>
    public Task<IReadOnlyList<ChangeRow>> GetChangesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        GetHourBucketsAsync<ChangeRow>(StorageNames.ChangesTable, from, to, row => row.RecordedAt, cancellationToken);

    /// <summary>
    /// Notes that the sweep has searched around these changes, so a later sweep re-reading them (the overlap, a held-back
    /// checkpoint) does not spend its discovery budget on them again. Conditional on the row being the one read: a newer
    /// change of the same conversation stays unsearched.
    /// </summary>
    public async Task MarkSearchedAsync(IEnumerable<ChangeRow> changes, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.ChangesTable);
        foreach (var change in changes)
        {
            try
            {
                await table.UpdateEntityAsync(new TableEntity(change.PartitionKey, change.RowKey) { [nameof(ChangeRow.SearchedAt)] = at },
                    change.ETag, TableUpdateMode.Merge, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
            }
        }
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
                           .QueryAsync<CallRow>(r => r.PartitionKey == callKey, cancellationToken: cancellationToken).MissingAsEmpty())
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Conversations that started in <c>[from, to]</c>: one partition query per hour bucket.</summary>
    public Task<IReadOnlyList<ActivityRow>> GetActivityAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        GetHourBucketsAsync<ActivityRow>(StorageNames.ActivityTable, from, to, row => row.StartTime, cancellationToken);

    /// <summary>Rows of an hour-bucketed table whose time lies in <c>[from, to]</c>: one partition query per hour.</summary>
    private async Task<IReadOnlyList<T>> GetHourBucketsAsync<T>(
        string tableName, DateTimeOffset from, DateTimeOffset to, Func<T, DateTimeOffset?> time, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        var table = storage.Table(tableName);
        var rows = new List<T>();
        foreach (var bucket in ActivityBuckets.Covering(from, to))
        {
            await foreach (var row in table.QueryAsync<T>(r => r.PartitionKey == bucket, cancellationToken: cancellationToken).MissingAsEmpty())
            {
                if (time(row) is { } at && at >= from && at <= to) rows.Add(row);
            }
        }
        return rows;
    }

    private Task UpsertAsync<T>(string tableName, T row, CancellationToken cancellationToken) where T : ITableEntity
    {
        var table = storage.Table(tableName);
        return table.WriteAsync(() => table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken), cancellationToken);
    }
}

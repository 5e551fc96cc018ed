using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Correlation;

/// <summary>
/// Moves the rows written while call keys carried their provider (<c>twilio:CA…</c>, <c>sip:…</c>, <c>exotel:…</c>;
/// <see cref="Conversations.CallKey.LegacyPrefixes"/>) to the key that is the telephony id itself, once. Two tables are
/// keyed by call: <c>calls</c> and <c>initiations</c>; the other rows only mention keys in columns, which are read in
/// either form (<see cref="CorrelationKeys.SplitCallKeys"/>). Alert keys stay as they were: an alert's identity does not
/// change with its call's key.
/// </summary>
/// <remarks>
/// Each row is inserted under its new key, then the old one deleted: a crash in between leaves the old row, which the
/// next run moves again, and a row already under the new key (written after the upgrade, so newer) is kept. A moved row
/// keeps the time it was last written in <see cref="RetainFromColumn"/>, so retention removes it when it would have
/// removed the original. When done, row <c>checkpoint</c>/<c>call-keys</c> of <c>changes</c> says so and no run reads
/// the tables again.
/// </remarks>
internal sealed partial class CallKeyMigration(StorageAccount storage, TimeProvider time, ILogger<CallKeyMigration> logger)
{
    /// <summary>When the original of a moved row was last written; retention counts from it.</summary>
    public const string RetainFromColumn = "RetainFrom";

    private const string MarkerPartition = "checkpoint";
    private const string MarkerRow = "call-keys";
    private const string MarkerColumn = "DoneAt";
    private const int Parallelism = 8;
    private const int BatchSize = 100;

    private static readonly string[] KeyedTables = [StorageNames.CallsTable, StorageNames.InitiationsTable];
    private static readonly string[] KeyColumns = ["CallKey", "CallKeys"];

    private volatile bool _done;

    /// <summary>
    /// Moves rows until none is left (true) or <paramref name="budget"/> has passed (false: call again; what was moved
    /// stays moved).
    /// </summary>
    public async Task<bool> RunAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        if (_done) return true;
        var changes = storage.Table(StorageNames.ChangesTable);
        if (await changes.ReadTimeAsync(MarkerPartition, MarkerRow, MarkerColumn, cancellationToken) is not null) return _done = true;

        var deadline = time.GetUtcNow() + budget;
        var moved = 0;
        foreach (var name in KeyedTables)
        {
            var table = storage.Table(name);
            foreach (var prefix in Conversations.CallKey.LegacyPrefixes)
            {
                // Every key starting with "twilio:" sorts in ["twilio:", "twilio;"): ';' follows ':'.
                var filter = TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {prefix[..^1] + ";"}");
                var batch = new List<TableEntity>(BatchSize);
                await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: BatchSize, cancellationToken: cancellationToken).MissingAsEmpty())
                {
                    batch.Add(row);
                    if (batch.Count < BatchSize) continue;
                    moved += await MoveAllAsync(table, batch, cancellationToken);
                    if (time.GetUtcNow() >= deadline)
                    {
                        LogProgress(moved);
                        return false;
                    }
                }
                moved += await MoveAllAsync(table, batch, cancellationToken);
            }
        }

        var marker = new TableEntity(MarkerPartition, MarkerRow) { [MarkerColumn] = time.GetUtcNow() };
        await changes.WriteAsync(() => changes.UpsertEntityAsync(marker, TableUpdateMode.Replace, cancellationToken), cancellationToken);
        LogDone(moved);
        return _done = true;
    }

    private static async Task<int> MoveAllAsync(TableClient table, List<TableEntity> batch, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (row, ct) => await MoveAsync(table, row, ct));
        var count = batch.Count;
        batch.Clear();
        return count;
    }

    private static async Task MoveAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        var copy = new TableEntity(Conversations.CallKey.Normalize(row.PartitionKey), row.RowKey);
        foreach (var (name, value) in row)
        {
            if (name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag") continue;
            copy[name] = value;
        }
        foreach (var column in KeyColumns)
        {
            if (copy.GetString(column) is { } keys) copy[column] = CorrelationKeys.JoinCallKeys(CorrelationKeys.SplitCallKeys(keys));
        }
        copy[RetainFromColumn] = row.GetDateTimeOffset(RetainFromColumn) ?? row.Timestamp;
        try
        {
            await table.AddEntityAsync(copy, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Written under the new key since the upgrade: newer than the old row, which only has to go.
        }
        try
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Another sweep moved it at the same time.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call keys: moved {moved} rows to keys without a provider prefix this run; the rest is moved by the next sweep, and detection waits until then")]
    private partial void LogProgress(int moved);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call keys: every row is keyed by its telephony id alone ({moved} rows moved this run)")]
    private partial void LogDone(int moved);
}

using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Retention;

/// <summary>
/// Removes table rows older than <c>Retention:Days</c>: conversations carry callers' phone numbers and nothing needs
/// them once a duplicate has been alerted and reported. Blobs age out by the storage lifecycle policy instead.
/// </summary>
internal sealed partial class RetentionSweep(
    StorageAccount storage, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionSweep> logger)
{
    // A table transaction holds at most 100 operations, all in one partition.
    private const int BatchSize = 100;

    public async Task<IReadOnlyDictionary<string, int>> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.Period;
        var removed = new Dictionary<string, int>();
        foreach (var rule in TableRetention.All)
        {
            removed[rule.Table] = await RemoveAsync(storage.Table(rule.Table), rule.OlderThan(cutoff), cancellationToken);
            LogRemoved(rule.Table, removed[rule.Table], cutoff);
        }
        return removed;
    }

    private static async Task<int> RemoveAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var removed = 0;
        var pending = new List<TableEntity>();
        // No table: nothing to remove.
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).MissingAsEmpty())
        {
            if (pending.Count > 0 && (pending.Count == BatchSize || pending[0].PartitionKey != row.PartitionKey))
            {
                removed += await DeleteAsync(table, pending, cancellationToken);
                pending.Clear();
            }
            pending.Add(row);
        }
        if (pending.Count > 0) removed += await DeleteAsync(table, pending, cancellationToken);
        return removed;
    }

    private static async Task<int> DeleteAsync(TableClient table, List<TableEntity> rows, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken);
            return rows.Count;
        }
        catch (TableTransactionFailedException)
        {
            // One row went away meanwhile (a concurrent run): delete the rest one by one.
            var removed = 0;
            foreach (var row in rows)
            {
                try
                {
                    await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
                    removed++;
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                }
            }
            return removed;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed {removed} rows from {table} older than {cutoff:o}")]
    private partial void LogRemoved(string table, int removed, DateTimeOffset cutoff);
}

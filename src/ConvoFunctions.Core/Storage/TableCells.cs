using Azure;
using Azure.Data.Tables;

namespace ConvoFunctions.Storage;

/// <summary>Single-value rows (a checkpoint, a heartbeat, a first-seen time): one column of one row.</summary>
internal static class TableCells
{
    /// <summary>The time in <paramref name="column"/> of one row; null when the row, or the whole table, is not there yet.</summary>
    public static async Task<DateTimeOffset?> ReadTimeAsync(
        this TableClient table, string partitionKey, string rowKey, string column, CancellationToken cancellationToken)
    {
        try
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, select: [column], cancellationToken: cancellationToken);
            return row.HasValue ? row.Value!.GetDateTimeOffset(column) : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}

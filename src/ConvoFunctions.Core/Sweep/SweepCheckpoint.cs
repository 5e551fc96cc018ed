using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Sweep;

/// <summary>Where a sweep starts: the checkpoint (null before the first sweep) and the storage service's time.</summary>
internal sealed record SweepStart(DateTimeOffset? Through, DateTimeOffset Now);

/// <summary>
/// Up to when the sweep has considered the <c>changes</c> table: row <c>checkpoint</c>/<c>sweep</c> of that table, in
/// the storage service's time (<see cref="StorageClock"/>), as the changes are stamped. Saved after every batch a sweep
/// judged, and only forward (ETag-conditional): a sweep that started earlier, or one holding a change back that lies
/// before it, never takes it back over changes another sweep has judged.
/// </summary>
internal sealed class SweepCheckpoint(StorageAccount storage, StorageClock clock)
{
    private const string Partition = "checkpoint";
    private const string Row = "sweep";
    private const string Column = "Through";

    private TableClient Table => storage.Table(StorageNames.ChangesTable);

    public async Task<DateTimeOffset?> ReadAsync(CancellationToken cancellationToken) => (await BeginAsync(cancellationToken)).Through;

    /// <summary>The checkpoint, and the service's time when it was read: the sweep's "now", whatever this instance's clock says.</summary>
    public async Task<SweepStart> BeginAsync(CancellationToken cancellationToken)
    {
        var (stored, answer) = await ReadRowAsync(cancellationToken);
        return new SweepStart(stored?.GetDateTimeOffset(Column), clock.At(answer));
    }

    /// <summary>Moves the checkpoint to <paramref name="through"/> unless it is there or further already.</summary>
    /// <returns>The checkpoint as stored afterwards.</returns>
    public async Task<DateTimeOffset> SaveAsync(DateTimeOffset through, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (stored, _) = await ReadRowAsync(cancellationToken);
            if (stored?.GetDateTimeOffset(Column) is { } current && current >= through) return current;
            var row = new TableEntity(Partition, Row) { [Column] = through };
            try
            {
                if (stored is null) await Table.WriteAsync(() => Table.AddEntityAsync(row, cancellationToken), cancellationToken);
                else await Table.UpdateEntityAsync(row, stored.ETag, TableUpdateMode.Replace, cancellationToken);
                return through;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 4)
            {
                // Another sweep of this process saved first: compare with what it saved.
            }
        }
    }

    /// <summary>
    /// Sets the checkpoint back on purpose, unconditionally: every change since <paramref name="through"/> is judged
    /// again (after a restore, or to measure a sweep over a known window). The ledger keeps each alert once.
    /// </summary>
    public async Task ResetAsync(DateTimeOffset through, CancellationToken cancellationToken)
    {
        var row = new TableEntity(Partition, Row) { [Column] = through };
        await Table.WriteAsync(() => Table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken), cancellationToken);
    }

    private async Task<(TableEntity? Row, Response? Answer)> ReadRowAsync(CancellationToken cancellationToken)
    {
        try
        {
            var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken);
            return (row.HasValue ? row.Value : null, row.GetRawResponse());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: the first save creates it.
            return (null, ex.GetRawResponse());
        }
    }
}

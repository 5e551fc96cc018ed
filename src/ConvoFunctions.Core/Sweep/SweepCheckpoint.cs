using Azure.Data.Tables;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Sweep;

/// <summary>
/// Up to when the sweep has considered the <c>changes</c> table: row <c>checkpoint</c>/<c>sweep</c> of that table.
/// Written only at the end of a sweep, so a failed or skipped sweep moves nothing and the next one reads its changes.
/// It may move back (two sweeps at once, a held-back judgement): reading a change twice is harmless, missing one is not.
/// </summary>
internal sealed class SweepCheckpoint(StorageAccount storage)
{
    private const string Partition = "checkpoint";
    private const string Row = "sweep";
    private const string Column = "Through";

    private TableClient Table => storage.Table(StorageNames.ChangesTable);

    public Task<DateTimeOffset?> ReadAsync(CancellationToken cancellationToken) =>
        Table.ReadTimeAsync(Partition, Row, Column, cancellationToken);

    public async Task SaveAsync(DateTimeOffset through, CancellationToken cancellationToken)
    {
        var row = new TableEntity(Partition, Row) { [Column] = through };
        await Table.WriteAsync(() => Table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken), cancellationToken);
    }
}

using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Webhooks;

/// <summary>When the last ElevenLabs webhook arrived: one tiny row, so the health check never reads blobs or queues.</summary>
internal interface IWebhookHeartbeat
{
    Task<DateTimeOffset?> LastReceivedAsync(CancellationToken cancellationToken);

    /// <summary>Called by ingest for every webhook it accepts (its arrival time); keeps the newest time.</summary>
    Task RecordAsync(DateTimeOffset receivedAt, CancellationToken cancellationToken);
}

/// <summary>The heartbeat as row <c>health</c>/<c>last_webhook</c> of the <c>alerts</c> table.</summary>
internal sealed class TableWebhookHeartbeat(StorageAccount storage) : IWebhookHeartbeat
{
    public const string Partition = StorageNames.HealthPartition;
    public const string RowKey = "last_webhook";
    private const string Column = "ReceivedAt";

    // The quiet-period check works in tens of minutes; one write a minute per instance is plenty, and spares every
    // webhook two table round trips.
    private static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);
    private long _lastRecordedTicks;

    private TableClient Table => storage.Table(StorageNames.AlertsTable);

    public Task<DateTimeOffset?> LastReceivedAsync(CancellationToken cancellationToken) =>
        Table.ReadTimeAsync(Partition, RowKey, Column, cancellationToken);

    public async Task RecordAsync(DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var last = Interlocked.Read(ref _lastRecordedTicks);
        if (receivedAt.UtcTicks < last + Resolution.Ticks) return;
        Interlocked.CompareExchange(ref _lastRecordedTicks, receivedAt.UtcTicks, last);

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var existing = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, RowKey, cancellationToken: cancellationToken);
            var row = new TableEntity(Partition, RowKey) { [Column] = receivedAt };
            try
            {
                if (!existing.HasValue)
                {
                    await Table.AddEntityAsync(row, cancellationToken);
                    return;
                }
                // Only ever forward: a late, older webhook must not move the heartbeat back.
                if (existing.Value!.GetDateTimeOffset(Column) >= receivedAt) return;
                await Table.UpdateEntityAsync(row, existing.Value.ETag, TableUpdateMode.Replace, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // A concurrent webhook wrote first: read again.
            }
        }
    }
}

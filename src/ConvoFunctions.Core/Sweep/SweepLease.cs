using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Sweep;

/// <summary>Who holds the sweep, and until when (server time).</summary>
internal sealed record SweepHolder(string Owner, DateTimeOffset Until);

/// <summary>
/// One sweeper per storage account at a time: row <c>checkpoint</c>/<c>lease</c> of <c>changes</c>, taken with an
/// ETag-conditional write. A <c>convo serve --storage</c> against the deployed account, or a second app, waits instead
/// of judging the same changes with another clock. Times are the storage service's own (<see cref="StorageClock"/>), so
/// an instance whose clock is minutes off neither steals a lease early nor keeps it late.
/// </summary>
internal sealed class SweepLease(StorageAccount storage, StorageClock clock)
{
    private const string Partition = "checkpoint";
    private const string Row = "lease";

    /// <summary>Longer than a sweep may run (the function timeout): a sweeper that died frees it after this.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(10);

    /// <summary>This process: sweeps of one process may overlap (their alerts are claimed row by row), other processes wait.</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    private TableClient Table => storage.Table(StorageNames.ChangesTable);

    /// <summary>Takes the lease; null when taken, else who holds it.</summary>
    public async Task<SweepHolder?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            NullableResponse<TableEntity> current;
            try
            {
                current = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                await Table.CreateIfNotExistsAsync(cancellationToken);
                continue;
            }
            var serverNow = clock.At(current.GetRawResponse());
            var row = new TableEntity(Partition, Row) { ["Owner"] = Owner, ["Until"] = serverNow + Duration };
            try
            {
                if (!current.HasValue)
                {
                    await Table.AddEntityAsync(row, cancellationToken);
                    return null;
                }
                var held = current.Value!;
                var holder = new SweepHolder(held.GetString("Owner") ?? "unknown", held.GetDateTimeOffset("Until") ?? DateTimeOffset.MinValue);
                if (holder.Owner != Owner && holder.Until > serverNow) return holder;
                await Table.UpdateEntityAsync(row, held.ETag, TableUpdateMode.Replace, cancellationToken);
                return null;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another sweeper wrote first: read again.
            }
        }
        return new SweepHolder("another sweeper (the lease changed hands during three attempts)", DateTimeOffset.MinValue);
    }

    /// <summary>Frees the lease if this process still holds it, so the next sweeper need not wait for it to expire.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            var current = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken);
            if (!current.HasValue || current.Value!.GetString("Owner") != Owner) return;
            await Table.UpdateEntityAsync(new TableEntity(Partition, Row) { ["Owner"] = Owner, ["Until"] = DateTimeOffset.UnixEpoch },
                current.Value.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Gone or taken over: nothing of ours to free.
        }
    }
}

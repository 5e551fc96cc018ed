using System.Globalization;
using Azure.Data.Tables;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Initiation;

/// <summary>One initiation request as recorded: the anchor of a call that exists before any conversation does.</summary>
internal sealed record InitiationRecord(
    string CallKey, string RequestId, DateTimeOffset ReceivedAt,
    string? AgentId, string? CallerId, string? CalledNumber, string? CallSid, string? CallId);

/// <summary>
/// The <c>initiations</c> table: PartitionKey is the call key, RowKey the received time then a request id, so every
/// request is its own row (ElevenLabs' retries of this webhook are undocumented, and two requests for one call are
/// the evidence we want) and all requests of a call come back, oldest first, from one partition query.
/// </summary>
internal sealed class InitiationStore(StorageAccount storage, InitiationChanges changes)
{
    private TableClient Table => storage.Table(StorageNames.InitiationsTable);

    /// <summary>The request's row; once written, its change notice is queued (<see cref="InitiationChanges"/>).</summary>
    public async Task AddAsync(InitiationRecord record, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(record.CallKey, RowKey(record))
        {
            ["RequestId"] = record.RequestId,
            ["ReceivedAt"] = record.ReceivedAt,
            ["AgentId"] = record.AgentId,
            ["CallerId"] = record.CallerId,
            ["CalledNumber"] = record.CalledNumber,
            ["CallSid"] = record.CallSid,
            ["CallId"] = record.CallId,
        };
        // Under func start on a fresh Azurite nothing has created the table yet (convo serve and the Bicep do).
        var table = Table;
        await table.WriteAsync(() => table.AddEntityAsync(entity, cancellationToken), cancellationToken);
        changes.Add(record);
    }

    /// <summary>
    /// Every initiation request of a call known by these keys (a call with a SIP <c>call_id</c> and a <c>call_sid</c>
    /// has two), oldest first: one partition query per key.
    /// </summary>
    public async Task<IReadOnlyList<InitiationRecord>> ForCallAsync(IEnumerable<string> callKeys, CancellationToken cancellationToken)
    {
        var records = new List<InitiationRecord>();
        foreach (var key in callKeys.Distinct(StringComparer.Ordinal)) records.AddRange(await ForCallAsync(key, cancellationToken));
        return records.DistinctBy(r => r.RequestId).OrderBy(r => r.ReceivedAt).ToList();
    }

    /// <summary>Every initiation request of one call, oldest first.</summary>
    public async Task<IReadOnlyList<InitiationRecord>> ForCallAsync(string callKey, CancellationToken cancellationToken)
    {
        var records = new List<InitiationRecord>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(e => e.PartitionKey == callKey, cancellationToken: cancellationToken).MissingAsEmpty())
        {
            records.Add(new InitiationRecord(
                entity.PartitionKey, entity.GetString("RequestId"), entity.GetDateTimeOffset("ReceivedAt") ?? default,
                entity.GetString("AgentId"), entity.GetString("CallerId"), entity.GetString("CalledNumber"),
                entity.GetString("CallSid"), entity.GetString("CallId")));
        }
        return records;
    }

    // Fixed-width UTC ticks sort as text in time order; the request id keeps two requests in one tick apart.
    private static string RowKey(InitiationRecord record) =>
        record.ReceivedAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "_" + record.RequestId;
}

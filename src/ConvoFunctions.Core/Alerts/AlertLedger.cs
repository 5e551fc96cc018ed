using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Alerts;

/// <summary>Where a channel of one alert stands.</summary>
internal static class ChannelState
{
    public const string Pending = "pending";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string Disabled = "disabled";
    public const string GivenUp = "given_up";
}

/// <summary>
/// The <c>alerts</c> table. One row per alert: PartitionKey = group key (call key, fuzzy key or health incident key),
/// RowKey = generation (conversation count, or incident id). The row is inserted before anything is sent; only the
/// sweep whose insert succeeds composes it, a concurrent one gets 409. Each channel then has its own columns
/// (<c>{channel}_State</c>, <c>_Owner</c>, <c>_LeaseUntil</c>, <c>_Attempts</c>, <c>_Error</c>, <c>_SentAt</c>),
/// changed only by ETag-conditioned merges: claim (→ sending, with a lease) before sending, then sent or failed.
/// Unfinished alerts are also listed in the small partition <c>open</c>, so retries never scan the table.
/// </summary>
internal sealed class AlertLedger(StorageAccount storage)
{
    public const string OpenPartition = "open";
    public const string HealthPartition = StorageNames.HealthPartition;

    /// <summary>Row per alerted conversation: which alert it belongs to, so a group keeps its alert's identity.</summary>
    public const string MemberPartition = "member";

    /// <summary>Row per key a call's first alert took, with that call's conversations (<see cref="ClaimKeyAsync"/>).</summary>
    public const string OwnerPartition = "owner";

    private TableClient Table => storage.Table(StorageNames.AlertsTable);

    /// <summary>
    /// Inserts the alert row unless this group already has a row of this or a higher generation.
    /// Returns the row to deliver (new or existing), whether this call created it, or null when a higher generation exists.
    /// </summary>
    public async Task<(TableEntity Row, bool Created)?> OpenAsync(
        string partitionKey, string rowKey, string payload, IEnumerable<(string Channel, bool Enabled)> channels,
        bool suppressIfHigherExists, CancellationToken cancellationToken)
    {
        partitionKey = TableKeys.Sanitize(partitionKey);
        rowKey = TableKeys.Sanitize(rowKey);
        if (suppressIfHigherExists)
        {
            var existing = await ExistingRowKeysAsync(partitionKey, cancellationToken);
            var higher = existing.Where(k => string.CompareOrdinal(k, rowKey) > 0).Max(StringComparer.Ordinal);
            if (higher is not null) return null;
        }

        var row = new TableEntity(partitionKey, rowKey) { ["Payload"] = payload };
        foreach (var (channel, enabled) in channels)
        {
            row[$"{channel}_State"] = enabled ? ChannelState.Pending : ChannelState.Disabled;
            row[$"{channel}_Attempts"] = 0;
        }

        try
        {
            await Table.WriteAsync(() => Table.AddEntityAsync(row, cancellationToken), cancellationToken);
            await IndexAsync(partitionKey, rowKey, cancellationToken);
            return ((await Table.GetEntityAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken)).Value, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Another sweep won the insert: from here on both only ever claim channels, never compose again.
            return ((await Table.GetEntityAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken)).Value, false);
        }
    }

    public async Task<TableEntity?> GetAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Takes a channel for sending when its state allows it (pending, failed, or sending with an expired lease).
    /// The ETag condition means that of two sweeps reading the same row, only one claim succeeds.
    /// </summary>
    public async Task<TableEntity?> TryClaimAsync(TableEntity row, string channel, string owner, DateTimeOffset now, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (!NeedsSending(row, channel, now)) return null;
            var attempts = row.GetInt32($"{channel}_Attempts") ?? 0;
            var patch = new TableEntity(row.PartitionKey, row.RowKey);
            if (attempts >= maxAttempts)
            {
                patch[$"{channel}_State"] = ChannelState.GivenUp;
                await TryMergeAsync(patch, row.ETag, cancellationToken);
                return null;
            }
            patch[$"{channel}_State"] = ChannelState.Sending;
            patch[$"{channel}_Owner"] = owner;
            patch[$"{channel}_LeaseUntil"] = now + lease;
            patch[$"{channel}_Attempts"] = attempts + 1;
            if (await TryMergeAsync(patch, row.ETag, cancellationToken)) return await GetAsync(row.PartitionKey, row.RowKey, cancellationToken);

            // Someone changed the row (maybe another channel): look again.
            row = await GetAsync(row.PartitionKey, row.RowKey, cancellationToken) ?? throw new InvalidOperationException("The alert row disappeared.");
        }
        return null;
    }

    /// <summary>Records the outcome of a claimed send, as long as the claim is still ours.</summary>
    public async Task<TableEntity?> CompleteAsync(TableEntity row, string channel, string owner, bool sent, string? error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (row.GetString($"{channel}_Owner") != owner || row.GetString($"{channel}_State") != ChannelState.Sending) return row;
            var patch = new TableEntity(row.PartitionKey, row.RowKey)
            {
                [$"{channel}_State"] = sent ? ChannelState.Sent : ChannelState.Failed,
                [$"{channel}_Error"] = sent ? "" : error ?? "failed",
            };
            if (sent) patch[$"{channel}_SentAt"] = now;
            if (await TryMergeAsync(patch, row.ETag, cancellationToken)) break;
            row = await GetAsync(row.PartitionKey, row.RowKey, cancellationToken) ?? throw new InvalidOperationException("The alert row disappeared.");
        }
        return await GetAsync(row.PartitionKey, row.RowKey, cancellationToken);
    }

    public static bool NeedsSending(TableEntity row, string channel, DateTimeOffset now) => row.GetString($"{channel}_State") switch
    {
        ChannelState.Pending or ChannelState.Failed => true,
        ChannelState.Sending => row.GetDateTimeOffset($"{channel}_LeaseUntil") is not { } until || until <= now,
        _ => false,
    };

    public static bool IsDone(TableEntity row, IEnumerable<string> channels) =>
        channels.All(c => row.GetString($"{c}_State") is null or ChannelState.Sent or ChannelState.Disabled or ChannelState.GivenUp);

    /// <summary>Lists unfinished alerts (partition <c>open</c>): its size is the number of unfinished alerts, not the table's.</summary>
    public async Task<IReadOnlyList<(string PartitionKey, string RowKey)>> ListOpenAsync(CancellationToken cancellationToken)
    {
        var result = new List<(string, string)>();
        await foreach (var e in Table.QueryAsync<TableEntity>(e => e.PartitionKey == OpenPartition, select: ["AlertPartition", "AlertRow"], cancellationToken: cancellationToken).MissingAsEmpty())
        {
            if (e.GetString("AlertPartition") is { } pk && e.GetString("AlertRow") is { } rk) result.Add((pk, rk));
        }
        return result;
    }

    public async Task IndexAsync(string partitionKey, string rowKey, CancellationToken cancellationToken) =>
        await Table.UpsertEntityAsync(new TableEntity(OpenPartition, IndexKey(partitionKey, rowKey))
        {
            ["AlertPartition"] = partitionKey,
            ["AlertRow"] = rowKey,
        }, TableUpdateMode.Replace, cancellationToken);

    public async Task CloseAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(OpenPartition, IndexKey(partitionKey, rowKey), ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    public async Task<IReadOnlyList<TableEntity>> RowsAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in Table.QueryAsync<TableEntity>(e => e.PartitionKey == TableKeys.Sanitize(partitionKey), cancellationToken: cancellationToken).MissingAsEmpty()) rows.Add(e);
        return rows;
    }

    /// <summary>The keys of the alerts any of these conversations already belongs to (point reads), smallest first.</summary>
    public async Task<IReadOnlyList<string>> AlertKeysOfAsync(IEnumerable<string> conversationIds, CancellationToken cancellationToken) =>
        (await AlertedWithAsync(conversationIds, cancellationToken)).Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The alert key of each of these conversations that was alerted (one point read each).</summary>
    public async Task<IReadOnlyDictionary<string, string>> AlertedWithAsync(IEnumerable<string> conversationIds, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in conversationIds.Distinct(StringComparer.Ordinal))
        {
            try
            {
                var row = await Table.GetEntityIfExistsAsync<TableEntity>(MemberPartition, TableKeys.Sanitize(id), select: ["AlertKey"], cancellationToken: cancellationToken);
                if (row.HasValue && row.Value!.GetString("AlertKey") is { Length: > 0 } key) keys[id] = key;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
            }
        }
        return keys;
    }

    /// <summary>
    /// The key a call's first alert goes under: <paramref name="key"/>, unless another call holds it already (separate
    /// calls sharing a telephony id, such as a constant <c>system__call_sid</c>, each judged before the other was
    /// recorded), then <paramref name="otherwise"/>. Taken with a conditional insert, so two judges of two calls cannot
    /// both take it, while two judges of one call (their conversations overlap) agree on it.
    /// </summary>
    public async Task<string> ClaimKeyAsync(string key, IEnumerable<string> conversationIds, string otherwise, CancellationToken cancellationToken)
    {
        var ours = conversationIds.ToHashSet(StringComparer.Ordinal);
        var owner = new TableEntity(OwnerPartition, TableKeys.Sanitize(key)) { ["Conversations"] = string.Join(' ', ours.Order(StringComparer.Ordinal)) };
        try
        {
            await Table.WriteAsync(() => Table.AddEntityAsync(owner, cancellationToken), cancellationToken);
            // Alerts raised before keys were claimed have no owner row: one under the key naming none of these
            // conversations is another call's.
            var earlier = await RowsAsync(key, cancellationToken);
            return earlier.Count == 0 || earlier.Any(r => Alert.FromJson(r.GetString("Payload") ?? "{}").Conversations.Any(c => ours.Contains(c.ConversationId)))
                ? key : otherwise;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var held = await GetAsync(OwnerPartition, TableKeys.Sanitize(key), cancellationToken);
            var theirs = (held?.GetString("Conversations") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return theirs.Any(ours.Contains) ? key : otherwise;
        }
    }

    /// <summary>Notes that these conversations belong to the alert <paramref name="alertKey"/> (idempotent).</summary>
    public async Task RecordMembersAsync(string alertKey, IEnumerable<string> conversationIds, CancellationToken cancellationToken)
    {
        foreach (var id in conversationIds)
        {
            var row = new TableEntity(MemberPartition, TableKeys.Sanitize(id)) { ["AlertKey"] = TableKeys.Sanitize(alertKey) };
            await Table.WriteAsync(() => Table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken), cancellationToken);
        }
    }

    private static string IndexKey(string partitionKey, string rowKey) => $"{partitionKey}~{rowKey}";

    private async Task<List<string>> ExistingRowKeysAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var e in Table.QueryAsync<TableEntity>(e => e.PartitionKey == partitionKey, select: ["RowKey"], cancellationToken: cancellationToken).MissingAsEmpty()) keys.Add(e.RowKey);
        return keys;
    }

    private async Task<bool> TryMergeAsync(TableEntity patch, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await Table.UpdateEntityAsync(patch, etag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }

}

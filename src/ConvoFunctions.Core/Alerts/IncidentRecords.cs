using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Alerts;

/// <summary>The incident a recorded call belongs to, as <c>convo calls</c> shows it.</summary>
/// <param name="Episode">The episode the call counts in (a call alerted on its own before the incident opened counts in the one that opens next).</param>
internal sealed record CallIncident(string IncidentKey, int Episode, bool Folded);

/// <summary>
/// Where incidents are kept, in the <c>alerts</c> table: partition <c>incident</c> holds one row per pattern (its state
/// and the post it owes, in two columns since a string column holds at most 32K characters), partition
/// <c>incident-call</c> one row per duplicate call (its incident and whether it was folded). Read by the sweep and by
/// <c>convo calls</c>; written only through <see cref="Incidents"/>.
/// </summary>
internal sealed class IncidentRecords(StorageAccount storage)
{
    public const string StatePartition = "incident";
    public const string CallPartition = "incident-call";
    private const string StateColumn = "State";
    private const string PostColumn = "Post";

    private TableClient Table => storage.Table(StorageNames.AlertsTable);

    /// <summary>The incident a call was decided into, or null (incidents off, or the call never alerted).</summary>
    public async Task<CallIncident?> CallAsync(string callKey, CancellationToken cancellationToken)
    {
        var row = await GetAsync(CallPartition, TableKeys.Sanitize(callKey), cancellationToken);
        return row is null ? null
            : new CallIncident(row.GetString("Incident") ?? "", row.GetInt32("Episode") ?? 0, row.GetBoolean("Folded") ?? false);
    }

    public async Task RecordCallAsync(string callKey, CallIncident incident, CancellationToken cancellationToken)
    {
        var row = new TableEntity(CallPartition, TableKeys.Sanitize(callKey))
        {
            ["Incident"] = incident.IncidentKey,
            ["Episode"] = incident.Episode,
            ["Folded"] = incident.Folded,
        };
        await Table.WriteAsync(() => Table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken), cancellationToken);
    }

    /// <summary>Every incident's state with the row it was read from (its ETag for a conditional write).</summary>
    public async IAsyncEnumerable<(TableEntity Row, Incident Incident)> AllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == StatePartition, cancellationToken: cancellationToken).MissingAsEmpty())
        {
            yield return (row, FromRow(row));
        }
    }

    /// <summary>Every incident's state, for <c>convo calls</c>.</summary>
    public async Task<IReadOnlyList<Incident>> ListAsync(CancellationToken cancellationToken)
    {
        var incidents = new List<Incident>();
        await foreach (var (_, incident) in AllAsync(cancellationToken)) incidents.Add(incident);
        return incidents;
    }

    /// <summary>The pattern's state and its row; a new state and no row when it has none yet.</summary>
    public async Task<(TableEntity? Row, Incident Incident)> ReadAsync(IncidentPattern pattern, CancellationToken cancellationToken)
    {
        var row = await GetAsync(StatePartition, pattern.Key, cancellationToken);
        return row is null ? (null, new Incident { Pattern = pattern }) : (row, FromRow(row));
    }

    /// <summary>
    /// Writes the next state if nobody changed it since <paramref name="row"/> was read (a null row: if nobody created
    /// it meanwhile). Returns the written row with its new ETag, or null when someone else wrote first.
    /// </summary>
    public async Task<TableEntity?> WriteAsync(TableEntity? row, Incident next, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(StatePartition, next.Pattern.Key)
        {
            [StateColumn] = (next with { Post = null }).ToJson(),
            [PostColumn] = next.Post?.ToJson(),
            ["Status"] = next.Status,
            ["AgentId"] = next.Pattern.AgentId,
        };
        try
        {
            Response? response = null;
            await Table.WriteAsync(async () => response = row is null
                ? await Table.AddEntityAsync(entity, cancellationToken)
                : await Table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken), cancellationToken);
            entity.ETag = response?.Headers.ETag ?? default;
            return entity;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return null;
        }
    }

    private static Incident FromRow(TableEntity row) =>
        Incident.FromJson(row.GetString(StateColumn) ?? "{}") with { Post = row.GetString(PostColumn) is { Length: > 0 } post ? Alert.FromJson(post) : null };

    private async Task<TableEntity?> GetAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken);
            return response.HasValue ? response.Value : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null; // no alerts table yet
        }
    }
}

using Azure.Data.Tables;
using ConvoFunctions.Correlation;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Retention;

/// <summary>How to find one table's rows that are older than the retention: an OData filter for a cutoff.</summary>
internal sealed record TableRetention(string Table, Func<DateTimeOffset, string> OlderThan)
{
    /// <summary>
    /// Every table the app writes. A new table is one line here; a test fails while a table in
    /// <see cref="StorageNames.Tables"/> has no line.
    /// </summary>
    public static IReadOnlyList<TableRetention> All { get; } =
    [
        ByHourPartition(StorageNames.ActivityTable),
        // The sweep's checkpoint row sits in partition "checkpoint", which sorts after every hour and so is never removed.
        ByHourPartition(StorageNames.ChangesTable),
        ByLastWrite(StorageNames.ConversationsTable),
        ByLastWrite(StorageNames.CallsTable),
        // The health partition holds state written once (since when the webhook is watched, open incidents), not data.
        new(StorageNames.AlertsTable, cutoff => TableClient.CreateQueryFilter($"Timestamp lt {cutoff} and PartitionKey ne {StorageNames.HealthPartition}")),
        ByLastWrite(StorageNames.InitiationsTable),
    ];

    /// <summary>Partitions are UTC hours (<see cref="ActivityBuckets"/>): a range over the partition key, whole partitions at a time.</summary>
    public static TableRetention ByHourPartition(string table) =>
        new(table, cutoff => TableClient.CreateQueryFilter($"PartitionKey lt {ActivityBuckets.For(cutoff)}"));

    /// <summary>
    /// Rows not written for the whole retention (the service's <c>Timestamp</c> is the last write), or moved to a new
    /// key from a row that was not (<see cref="CallKeyMigration.RetainFromColumn"/>).
    /// </summary>
    public static TableRetention ByLastWrite(string table) =>
        new(table, cutoff => TableClient.CreateQueryFilter($"Timestamp lt {cutoff}")
                             + " or " + CallKeyMigration.RetainFromColumn + " " + TableClient.CreateQueryFilter($"lt {cutoff}"));
}

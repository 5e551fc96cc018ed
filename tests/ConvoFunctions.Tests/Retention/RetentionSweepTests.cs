using Azure.Data.Tables;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Correlation;
using ConvoFunctions.Retention;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.Retention;

/// <summary>
/// Table rows older than <c>Retention:Days</c> are removed, newer ones stay. Its own Azurite: retention deletes by
/// age across whole tables, which would reach into rows other tests are using.
/// </summary>
public sealed class RetentionSweepTests : IAsyncLifetime
{
    private AzuriteProcess _azurite = null!;
    private StorageAccount _storage = null!;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(location: null);
        _storage = StorageAccount.FromConnectionString(_azurite.ConnectionString);
        await _storage.EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    [Fact]
    public void Every_table_the_app_writes_has_a_retention_rule()
    {
        Assert.Equal(StorageNames.Tables.Order(StringComparer.Ordinal), TableRetention.All.Select(r => r.Table).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Rows_older_than_the_retention_are_removed_and_newer_ones_stay()
    {
        // The other tables: by last write (the service's Timestamp), which the test cannot backdate, so the clock
        // moves instead: rows written before the cutoff go, rows written after it stay. 150 old rows in one
        // partition exercise more than one transaction batch.
        var old = Enumerable.Range(0, 150).Select(i => new TableEntity("twilio:CAold", $"conv_{i:000}")).ToList();
        foreach (var batch in old.Chunk(100))
        {
            await _storage.Table(StorageNames.CallsTable).SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));
        }
        await _storage.Table(StorageNames.ConversationsTable).AddEntityAsync(new TableEntity("conv_old", ""));
        await _storage.Table(StorageNames.AlertsTable).AddEntityAsync(new TableEntity("twilio:CAold", "0002"));
        // Written once and kept: since when the webhook is watched (re-arming it would silence the quiet check).
        await _storage.Table(StorageNames.AlertsTable).AddEntityAsync(new TableEntity(StorageNames.HealthPartition, "watching_since"));
        var lastOldWrite = (await _storage.Table(StorageNames.AlertsTable).GetEntityAsync<TableEntity>("twilio:CAold", "0002")).Value.Timestamp!.Value;
        await WaitUntilPastAsync(lastOldWrite.AddMilliseconds(20));
        var cutoff = DateTimeOffset.UtcNow;
        await WaitUntilPastAsync(cutoff.AddMilliseconds(20));
        await _storage.Table(StorageNames.ConversationsTable).AddEntityAsync(new TableEntity("conv_recent", ""));
        await _storage.Table(StorageNames.CallsTable).AddEntityAsync(new TableEntity("twilio:CArecent", "conv_recent"));
        await _storage.Table(StorageNames.AlertsTable).AddEntityAsync(new TableEntity("twilio:CArecent", "0002"));

        // The sweep's clock is 30 days after the cutoff. activity is by hour partition: 31 days old goes, 29 stays.
        var clock = new ManualTimeProvider(cutoff.AddDays(30));
        var activity = _storage.Table(StorageNames.ActivityTable);
        await activity.AddEntityAsync(new TableEntity(ActivityBuckets.For(clock.Now.AddDays(-31)), "conv_old"));
        await activity.AddEntityAsync(new TableEntity(ActivityBuckets.For(clock.Now.AddDays(-29)), "conv_recent"));
        await using var services = TestServices.Create(_azurite.ConnectionString, clock, new Dictionary<string, string?> { [SettingNames.RetentionDays] = "30" });
        var removed = await services.GetRequiredService<RetentionSweep>().RunAsync(CancellationToken.None);

        Assert.Equal(150, removed[StorageNames.CallsTable]);
        Assert.Equal(1, removed[StorageNames.ConversationsTable]);
        Assert.Equal(1, removed[StorageNames.AlertsTable]);
        Assert.Equal(1, removed[StorageNames.ActivityTable]);
        Assert.Equal(["conv_recent"], await RowKeysAsync(StorageNames.ActivityTable));
        Assert.Equal(["conv_recent"], await RowKeysAsync(StorageNames.CallsTable));
        Assert.Equal([""], await RowKeysAsync(StorageNames.ConversationsTable));
        Assert.Equal("conv_recent", (await _storage.Table(StorageNames.ConversationsTable).QueryAsync<TableEntity>().FirstAsync()).PartitionKey);
        Assert.Equal([StorageNames.HealthPartition, "twilio:CArecent"],
            await _storage.Table(StorageNames.AlertsTable).QueryAsync<TableEntity>().Select(e => e.PartitionKey).ToListAsync());

        // A second run finds nothing more.
        var again = await services.GetRequiredService<RetentionSweep>().RunAsync(CancellationToken.None);
        Assert.All(again.Values, count => Assert.Equal(0, count));
    }

    private async Task<List<string>> RowKeysAsync(string table)
    {
        var keys = new List<string>();
        await foreach (var row in _storage.Table(table).QueryAsync<TableEntity>()) keys.Add(row.RowKey);
        return keys;
    }

    /// <summary>Table timestamps come from the same machine's clock: wait (briefly) until it has passed a moment.</summary>
    private static async Task WaitUntilPastAsync(DateTimeOffset moment)
    {
        while (DateTimeOffset.UtcNow <= moment) await Task.Yield();
    }
}

using System.Globalization;
using Azure.Data.Tables;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Correlation;
using ConvoFunctions.Detection;
using ConvoFunctions.Retention;
using ConvoFunctions.Storage;
using ConvoFunctions.Sweep;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.Storage;

/// <summary>
/// Rows written while call keys carried their provider (<c>twilio:CA…</c>) keep working: the sweep moves them once to
/// the telephony id and judges a call only when all its rows are under one key. Its own Azurite: the migration reads
/// whole tables.
/// </summary>
public sealed class CallKeyMigrationTests : IAsyncLifetime
{
    private const string Sid = "CAaaaa1111bbbb2222cccc3333dddd4444";
    private AzuriteProcess _azurite = null!;
    private StorageAccount _storage = null!;
    private readonly ManualTimeProvider _time = new(Samples.ReadAt);

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(location: null);
        _storage = StorageAccount.FromConnectionString(_azurite.ConnectionString);
        await _storage.EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    private ServiceProvider Services(Dictionary<string, string?>? settings = null) => TestServices.Create(_azurite.ConnectionString, _time,
        settings ?? new Dictionary<string, string?> { [SettingNames.DetectionWebhookHealthEnabled] = "false" });

    [Fact]
    public async Task A_call_recorded_before_the_upgrade_alerts_with_its_blank_twin_recorded_after_it_and_its_call_start()
    {
        // Before the upgrade: the real conversation and the call-start request, under "twilio:" keys.
        var repository = new CorrelationRepository(_storage, StorageClock.Following(_time));
        await repository.UpsertAsync(Samples.Facts(Samples.RealJson(), _time.GetUtcNow()), CancellationToken.None);
        await AsWrittenBeforeTheUpgradeAsync("twilio:");
        await _storage.Table(StorageNames.InitiationsTable).AddEntityAsync(new TableEntity("twilio:" + Sid, "0638996000000000000_req1")
        {
            ["RequestId"] = "req1", ["ReceivedAt"] = Samples.Real.StartTime.AddSeconds(-2), ["AgentId"] = Samples.Real.AgentId, ["CallSid"] = Sid,
        });
        // After it: the blank twin, under the id alone.
        await repository.UpsertAsync(Samples.Facts(Samples.BlankJson(), _time.GetUtcNow()), CancellationToken.None);
        await using var services = Services();

        var result = await services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);

        var group = Assert.Single(result.Duplicates);
        Assert.Equal(["conv_sample_blank_02", "conv_sample_real_01"], group.ConversationIds.Order(StringComparer.Ordinal));
        Assert.Equal(Sid, group.Key);
        Assert.Single(group.InitiationRequests);
        Assert.Empty(await PartitionKeysAsync(StorageNames.CallsTable, "twilio:"));
        Assert.Empty(await PartitionKeysAsync(StorageNames.InitiationsTable, "twilio:"));
        var moved = (await _storage.Table(StorageNames.CallsTable).GetEntityAsync<TableEntity>(Sid, "conv_sample_real_01")).Value;
        Assert.Equal(Sid, moved.GetString("CallKey"));
        Assert.NotNull(moved.GetDateTimeOffset(CallKeyMigration.RetainFromColumn));
    }

    [Fact]
    public async Task A_large_table_moves_over_several_runs_and_detection_waits_until_the_last()
    {
        var calls = _storage.Table(StorageNames.CallsTable);
        foreach (var batch in Enumerable.Range(0, 250).Chunk(50))
        {
            foreach (var i in batch) await calls.AddEntityAsync(new TableEntity($"sip:call{i:D3}@pbx", "conv_" + i.ToString("D3", CultureInfo.InvariantCulture)) { ["CallKey"] = $"sip:call{i:D3}@pbx" });
        }
        await using var services = Services();
        var migration = services.GetRequiredService<CallKeyMigration>();

        Assert.False(await migration.RunAsync(TimeSpan.Zero, CancellationToken.None)); // one batch, then the budget is spent
        Assert.Equal(150, (await PartitionKeysAsync(StorageNames.CallsTable, "sip:")).Count);
        Assert.True(await migration.RunAsync(TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Empty(await PartitionKeysAsync(StorageNames.CallsTable, "sip:"));
        Assert.Equal(250, (await PartitionKeysAsync(StorageNames.CallsTable, "call")).Count);
        Assert.Contains(services.GetRequiredService<TestLog>().Lines, l => l.Contains("Call keys: moved 100 rows", StringComparison.Ordinal));

        // Done is remembered in storage: a new process does not read the tables again.
        await calls.AddEntityAsync(new TableEntity("sip:written_by_an_old_instance", "conv_x"));
        await using var restarted = Services();
        Assert.True(await restarted.GetRequiredService<CallKeyMigration>().RunAsync(TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Single(await PartitionKeysAsync(StorageNames.CallsTable, "sip:"));
    }

    [Fact]
    public async Task A_moved_row_is_kept_no_longer_than_its_original_would_have_been()
    {
        var calls = _storage.Table(StorageNames.CallsTable);
        var writtenLongAgo = _time.GetUtcNow().AddDays(-29);
        await calls.AddEntityAsync(new TableEntity("twilio:CAold", "conv_old") { [CallKeyMigration.RetainFromColumn] = writtenLongAgo });
        await calls.AddEntityAsync(new TableEntity("twilio:CAnew", "conv_new"));
        var newWrite = (await calls.GetEntityAsync<TableEntity>("twilio:CAnew", "conv_new")).Value.Timestamp!.Value;
        await using (var services = Services())
        {
            Assert.True(await services.GetRequiredService<CallKeyMigration>().RunAsync(TimeSpan.FromMinutes(1), CancellationToken.None));
        }
        Assert.Equal(newWrite, (await calls.GetEntityAsync<TableEntity>("CAnew", "conv_new")).Value.GetDateTimeOffset(CallKeyMigration.RetainFromColumn));

        // Two days later by the retention's clock: the row whose original was written 31 days before goes, the other stays.
        var clock = new ManualTimeProvider(_time.GetUtcNow().AddDays(2));
        await using var retention = TestServices.Create(_azurite.ConnectionString, clock, new Dictionary<string, string?> { [SettingNames.RetentionDays] = "30" });
        var removed = await retention.GetRequiredService<RetentionSweep>().RunAsync(CancellationToken.None);

        Assert.Equal(1, removed[StorageNames.CallsTable]);
        Assert.Equal(["CAnew"], await PartitionKeysAsync(StorageNames.CallsTable, "CA"));
    }

    /// <summary>Rewrites the rows the current build wrote the way the build before the change wrote them.</summary>
    private async Task AsWrittenBeforeTheUpgradeAsync(string prefix)
    {
        var calls = _storage.Table(StorageNames.CallsTable);
        await foreach (var row in calls.QueryAsync<TableEntity>())
        {
            var old = new TableEntity(row) { PartitionKey = prefix + row.PartitionKey };
            old.Remove("odata.etag");
            old.Remove("Timestamp");
            await calls.AddEntityAsync(old);
            await calls.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }
        foreach (var name in new[] { StorageNames.CallsTable, StorageNames.ConversationsTable, StorageNames.ActivityTable, StorageNames.ChangesTable })
        {
            var table = _storage.Table(name);
            await foreach (var row in table.QueryAsync<TableEntity>())
            {
                foreach (var column in new[] { "CallKey", "CallKeys" })
                {
                    if (row.GetString(column) is { } keys) row[column] = string.Join(' ', keys.Split(' ').Select(k => prefix + k));
                }
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
            }
        }
    }

    private async Task<List<string>> PartitionKeysAsync(string table, string startingWith)
    {
        var keys = new List<string>();
        await foreach (var row in _storage.Table(table).QueryAsync<TableEntity>()) if (row.PartitionKey.StartsWith(startingWith, StringComparison.Ordinal)) keys.Add(row.PartitionKey);
        return keys;
    }
}

using Azure.Data.Tables;
using ConvoFunctions.Alerts;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Alerts;

/// <summary>The channel states on a real table: claims are exclusive, leases expire, outcomes need the claim.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AlertLedgerTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1763997000);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    private async Task<(AlertLedger Ledger, TableEntity Row)> NewRowAsync()
    {
        var ledger = new AlertLedger(azurite.Storage);
        var key = $"twilio:CA{Guid.NewGuid():N}";
        var opened = await ledger.OpenAsync(key, "0002", "{}", [("teams", true), ("email", false)], true, CancellationToken.None);
        Assert.True(opened!.Value.Created);
        return (ledger, opened.Value.Row);
    }

    [Fact]
    public async Task Only_one_of_two_claims_from_the_same_read_wins()
    {
        var (ledger, row) = await NewRowAsync();
        Assert.Equal(ChannelState.Disabled, row.GetString("email_State"));

        var claims = await Task.WhenAll(
            ledger.TryClaimAsync(row, "teams", "sweep-a", Now, Lease, 20, CancellationToken.None),
            ledger.TryClaimAsync(row, "teams", "sweep-b", Now, Lease, 20, CancellationToken.None));

        var winner = Assert.Single(claims, c => c is not null)!;
        Assert.Equal(ChannelState.Sending, winner.GetString("teams_State"));
        Assert.Equal(1, winner.GetInt32("teams_Attempts"));
    }

    [Fact]
    public async Task A_live_claim_blocks_others_and_an_expired_one_is_taken_over()
    {
        var (ledger, row) = await NewRowAsync();
        var crashed = await ledger.TryClaimAsync(row, "teams", "crashed-sweep", Now, Lease, 20, CancellationToken.None);
        Assert.NotNull(crashed);

        // Another sweep a minute later: the send may still be in flight, so it keeps off.
        Assert.Null(await ledger.TryClaimAsync(crashed!, "teams", "next-sweep", Now.AddMinutes(1), Lease, 20, CancellationToken.None));

        // Past the lease the crashed sweep is presumed dead: its channel is claimed again.
        var takeover = await ledger.TryClaimAsync(crashed!, "teams", "later-sweep", Now.AddMinutes(3), Lease, 20, CancellationToken.None);
        Assert.NotNull(takeover);
        Assert.Equal("later-sweep", takeover!.GetString("teams_Owner"));
        Assert.Equal(2, takeover.GetInt32("teams_Attempts"));

        // The crashed sweep, should it wake up, cannot overwrite the new owner's outcome.
        var stale = await ledger.CompleteAsync(crashed!, "teams", "crashed-sweep", false, "late", Now.AddMinutes(4), CancellationToken.None);
        Assert.Equal(ChannelState.Sending, stale!.GetString("teams_State"));
        var done = await ledger.CompleteAsync(takeover, "teams", "later-sweep", true, null, Now.AddMinutes(4), CancellationToken.None);
        Assert.Equal(ChannelState.Sent, done!.GetString("teams_State"));
        Assert.Null(await ledger.TryClaimAsync(done, "teams", "any", Now.AddHours(1), Lease, 20, CancellationToken.None));
        Assert.True(AlertLedger.IsDone(done, ["teams", "email"]));
    }

    [Fact]
    public async Task A_channel_is_given_up_after_max_attempts()
    {
        var (ledger, row) = await NewRowAsync();
        for (var i = 0; i < 2; i++)
        {
            var claimed = await ledger.TryClaimAsync(row, "teams", $"s{i}", Now, Lease, 2, CancellationToken.None);
            row = (await ledger.CompleteAsync(claimed!, "teams", $"s{i}", false, "500", Now, CancellationToken.None))!;
        }
        Assert.Null(await ledger.TryClaimAsync(row, "teams", "s3", Now, Lease, 2, CancellationToken.None));
        row = (await ledger.GetAsync(row.PartitionKey, row.RowKey, CancellationToken.None))!;
        Assert.Equal(ChannelState.GivenUp, row.GetString("teams_State"));
    }

    [Fact]
    public async Task Heartbeat_only_moves_forward()
    {
        var table = azurite.Storage.Table(StorageNames.AlertsTable);
        await table.DeleteEntityAsync(AlertLedger.HealthPartition, ConvoFunctions.Webhooks.TableWebhookHeartbeat.RowKey);
        var heartbeat = new ConvoFunctions.Webhooks.TableWebhookHeartbeat(azurite.Storage);
        Assert.Null(await heartbeat.LastReceivedAsync(CancellationToken.None));
        var otherInstance = new ConvoFunctions.Webhooks.TableWebhookHeartbeat(azurite.Storage);
        await heartbeat.RecordAsync(Now, CancellationToken.None);
        await otherInstance.RecordAsync(Now.AddMinutes(-5), CancellationToken.None);
        Assert.Equal(Now, await heartbeat.LastReceivedAsync(CancellationToken.None));
        // Within a minute of its last write an instance skips the table altogether.
        await heartbeat.RecordAsync(Now.AddSeconds(30), CancellationToken.None);
        Assert.Equal(Now, await heartbeat.LastReceivedAsync(CancellationToken.None));
        await heartbeat.RecordAsync(Now.AddMinutes(5), CancellationToken.None);
        Assert.Equal(Now.AddMinutes(5), await heartbeat.LastReceivedAsync(CancellationToken.None));
    }
}

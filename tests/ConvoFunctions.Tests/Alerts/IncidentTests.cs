using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Alerts;
using ConvoFunctions.Configuration;
using ConvoFunctions.Correlation;
using ConvoFunctions.Storage;
using ConvoFunctions.Sweep;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace ConvoFunctions.Tests.Alerts;

/// <summary>
/// A recurring duplicate becomes one incident: per-call alerts up to the threshold, then opened, roll-ups, resolved and
/// reopened, each post once. Real Azurite and a loopback Teams Workflow; the clock is the test's.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class IncidentTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Begin = DateTimeOffset.FromUnixTimeSeconds(1763996400);
    private const string Agent = "agent_01jx7sample0000000000000";
    private readonly ManualTimeProvider _time = new(Begin);
    private LoopbackServer _teams = null!;

    public async Task InitializeAsync()
    {
        await Enrichment.EnrichmentStorage.ResetAsync(azurite.Storage);
        _teams = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = 202;
            await context.Response.WriteAsync("");
        });
    }

    public async Task DisposeAsync() => await _teams.DisposeAsync();

    private ServiceProvider Services(Dictionary<string, string?>? extra = null, Action<IServiceCollection>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [SettingNames.AlertsTeamsWebhookUrl] = new Uri(_teams.BaseAddress, "workflows/invoke?sig=teams-secret-sig").ToString(),
            [SettingNames.DetectionWebhookHealthEnabled] = "false",
            [SettingNames.DetectionDiscoveryEnabled] = "false",
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        return TestServices.Create(azurite.ConnectionString, _time, settings, configure);
    }

    private List<string> Titles() => _teams.Requests.Where(r => r.Method == "POST")
        .Select(r => (string)JsonNode.Parse(r.Body)!["attachments"]![0]!["content"]!["body"]![0]!["text"]!).ToList();

    /// <summary>A call of <paramref name="agent"/> started at <paramref name="start"/>: its real conversation, and a blank twin a second earlier when <paramref name="twin"/>.</summary>
    private async Task CallAsync(string sid, DateTimeOffset start, bool twin = true, string agent = Agent)
    {
        var repository = new CorrelationRepository(azurite.Storage, StorageClock.Following(_time));
        var real = Samples.Variant(Samples.RealJson(), $"conv_{sid}_real", start.ToUnixTimeSeconds(), sid);
        real["agent_id"] = agent;
        await repository.UpsertAsync(Samples.Facts(real, _time.GetUtcNow()), CancellationToken.None);
        if (!twin) return;
        var blank = Samples.Variant(Samples.BlankJson(), $"conv_{sid}_blank", start.ToUnixTimeSeconds() - 1, sid);
        blank["agent_id"] = agent;
        await repository.UpsertAsync(Samples.Facts(blank, _time.GetUtcNow()), CancellationToken.None);
    }

    private static Task<SweepResult> SweepAsync(ServiceProvider services) => services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);

    [Fact]
    public async Task A_storm_opens_one_incident_rolls_up_resolves_once_calls_go_on_without_duplicates_and_reopens_once()
    {
        await using var services = Services();
        // Ten duplicate calls three minutes apart, each judged by a sweep a few minutes after it started.
        for (var i = 0; i < 10; i++)
        {
            _time.Now = Begin.AddMinutes(3 * i + 5);
            await CallAsync($"CAstorm{i:D2}", Begin.AddMinutes(3 * i));
            await SweepAsync(services);
        }
        var titles = Titles();
        Assert.Equal(3, titles.Count(t => t.StartsWith("One call produced", StringComparison.Ordinal)));
        Assert.Equal("Recurring: 4 calls of agent agent_01jx7sample0000000000000 produced real + blank duplicates (cause: same-source) since 2025-11-24 14:59 UTC",
            Assert.Single(titles, t => t.StartsWith("Recurring:", StringComparison.Ordinal)));
        Assert.Equal(4, titles.Count);

        // The fix is in: calls go on, one conversation each, every ten minutes for three hours.
        for (var i = 0; i < 18; i++)
        {
            _time.Now = Begin.AddMinutes(40 + 10 * i);
            await CallAsync($"CAfixed{i:D2}", _time.Now.AddMinutes(-4), twin: false);
            await SweepAsync(services);
        }
        titles = Titles();
        var rollup = Assert.Single(titles, t => t.StartsWith("Still recurring:", StringComparison.Ordinal));
        Assert.StartsWith("Still recurring: 10 calls", rollup);
        Assert.Equal("Resolved: agent agent_01jx7sample0000000000000 stopped producing real + blank duplicates (cause: same-source) after 10 calls",
            Assert.Single(titles, t => t.StartsWith("Resolved:", StringComparison.Ordinal)));
        Assert.Equal(6, titles.Count);

        // It comes back: one post saying so, and the next duplicate folds into it.
        for (var i = 0; i < 2; i++)
        {
            _time.Now = Begin.AddMinutes(230 + 3 * i);
            await CallAsync($"CAback{i:D2}", _time.Now.AddMinutes(-4));
            await SweepAsync(services);
        }
        titles = Titles();
        Assert.Single(titles, t => t.StartsWith("Back:", StringComparison.Ordinal));
        Assert.Equal(7, titles.Count);

        var incidents = await services.GetRequiredService<IncidentRecords>().ListAsync(CancellationToken.None);
        var incident = Assert.Single(incidents);
        Assert.Equal((IncidentStatus.Open, 2, 2), (incident.Status, incident.Episode, incident.Count));
        Assert.Equal(new CallIncident(incident.Pattern.Key, 1, Folded: false), await services.GetRequiredService<IncidentRecords>().CallAsync("CAstorm00", CancellationToken.None));
        Assert.Equal(new CallIncident(incident.Pattern.Key, 1, Folded: true), await services.GetRequiredService<IncidentRecords>().CallAsync("CAstorm09", CancellationToken.None));
    }

    [Fact]
    public async Task An_agent_that_takes_no_calls_keeps_its_incident_open_and_one_rollup_says_so()
    {
        await using var services = Services();
        for (var i = 0; i < 5; i++)
        {
            _time.Now = Begin.AddMinutes(3 * i + 5);
            await CallAsync($"CAquiet{i:D2}", Begin.AddMinutes(3 * i));
            await SweepAsync(services);
        }
        for (var hour = 1; hour <= 8; hour++)
        {
            _time.Now = Begin.AddHours(hour);
            await SweepAsync(services);
        }

        var titles = Titles();
        Assert.DoesNotContain(titles, t => t.StartsWith("Resolved:", StringComparison.Ordinal));
        var posts = _teams.Requests.Where(r => r.Method == "POST").Select(r => r.Body).ToList();
        Assert.Single(posts, p => p.Contains("has taken no call since then either", StringComparison.Ordinal));
        Assert.Equal(IncidentStatus.Open, Assert.Single(await services.GetRequiredService<IncidentRecords>().ListAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Another_agent_with_a_single_duplicate_still_gets_its_own_post_in_the_storm()
    {
        await using var services = Services();
        for (var i = 0; i < 8; i++)
        {
            _time.Now = Begin.AddMinutes(3 * i + 5);
            await CallAsync($"CAloud{i:D2}", Begin.AddMinutes(3 * i));
            if (i == 5) await CallAsync("CAother00", Begin.AddMinutes(3 * i), agent: "agent_other_000000000000000");
            await SweepAsync(services);
        }

        var titles = Titles();
        Assert.Equal(4, titles.Count(t => t.StartsWith("One call produced", StringComparison.Ordinal)));
        Assert.Single(titles, t => t.StartsWith("Recurring:", StringComparison.Ordinal));
        Assert.Contains(_teams.Requests, r => r.Body.Contains("agent_other_000000000000000", StringComparison.Ordinal) && r.Body.Contains("One call produced", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Incident_threshold_zero_alerts_every_call_on_its_own()
    {
        await using var services = Services(new() { [SettingNames.AlertsIncidentThreshold] = "0" });
        for (var i = 0; i < 6; i++)
        {
            _time.Now = Begin.AddMinutes(3 * i + 5);
            await CallAsync($"CAeach{i:D2}", Begin.AddMinutes(3 * i));
            await SweepAsync(services);
        }

        Assert.Equal(6, Titles().Count(t => t.StartsWith("One call produced", StringComparison.Ordinal)));
        Assert.Empty(await services.GetRequiredService<IncidentRecords>().ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Two_sweepers_deciding_the_same_calls_at_once_post_each_per_call_alert_and_the_incident_once()
    {
        await using var first = Services();
        await using var second = Services();
        _time.Now = Begin.AddMinutes(40);
        var pattern = new IncidentPattern(Agent, ConvoFunctions.Detection.Verdict.RealPlusBlank, "same-source");
        var calls = Enumerable.Range(0, 8).Select(i => (Alert: CallAlert($"CAboth{i:D2}"), Start: Begin.AddMinutes(3 * i))).ToList();

        // Each call handed to both at the same time, as two sweeps judging the same changes would.
        await Task.WhenAll(calls.SelectMany(c => new[] { first, second }.Select(s =>
            s.GetRequiredService<Incidents>().RaiseAsync(c.Alert, pattern, c.Start, CancellationToken.None))));

        var titles = Titles();
        Assert.Equal(titles.Count, titles.Distinct().Count());
        Assert.Single(titles, t => t.StartsWith("Recurring:", StringComparison.Ordinal));
        Assert.Equal(4, titles.Count);
        var incident = Assert.Single(await first.GetRequiredService<IncidentRecords>().ListAsync(CancellationToken.None));
        Assert.Equal(8, incident.Count);
    }

    [Fact]
    public async Task A_rollup_whose_ledger_insert_fails_after_the_state_was_written_is_posted_once_by_the_next_sweep()
    {
        // The alerts table fails exactly once: the ledger's insert of the first roll-up, after the incident's state
        // (which owes that post) was written. The next tick raises what is owed, once.
        var failed = 0;
        await using var services = Services(configure: s => s.AddSingleton(FailingOnce(e =>
            e.PartitionKey.StartsWith(IncidentPosts.KeyPrefix, StringComparison.Ordinal) && e.RowKey == "e0001-001" && Interlocked.Exchange(ref failed, 1) == 0)));
        for (var i = 0; i < 6; i++)
        {
            _time.Now = Begin.AddMinutes(3 * i + 5);
            await CallAsync($"CAcrash{i:D2}", Begin.AddMinutes(3 * i));
            await SweepAsync(services);
        }

        _time.Now = Begin.AddMinutes(80);
        await SweepAsync(services);
        Assert.Equal(1, failed);
        Assert.DoesNotContain(Titles(), t => t.StartsWith("Still recurring:", StringComparison.Ordinal));
        _time.Now = Begin.AddMinutes(85);
        await SweepAsync(services);
        _time.Now = Begin.AddMinutes(90);
        await SweepAsync(services);

        Assert.Single(Titles(), t => t.StartsWith("Still recurring: 6 calls", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_resolved_post_whose_ledger_write_fails_once_after_it_was_sent_is_recorded_by_a_retry_not_sent_again()
    {
        // The write that records "sent" for the resolved post fails once (storage 503 after the send): retried inside
        // the claim lease, so the post is recorded, and no later sweep takes the channel over and posts it again.
        var failed = 0;
        await using var services = Services(configure: s => s.AddSingleton(FailingOnce(e =>
            e.PartitionKey.StartsWith(IncidentPosts.KeyPrefix, StringComparison.Ordinal) && e.RowKey == ResolvedRow
            && e.TryGetValue("teams_State", out var state) && state as string == ChannelState.Sent
            && Interlocked.CompareExchange(ref failed, 1, 0) == 0)));
        await StormThenQuietWithCallsAsync(services);

        Assert.Equal(1, failed);
        Assert.Single(Titles(), t => t.StartsWith("Resolved:", StringComparison.Ordinal));
        var row = (await azurite.Storage.Table(StorageNames.AlertsTable).QueryAsync<TableEntity>(e => e.RowKey == ResolvedRow).ToListAsync())
            .Single(r => r.PartitionKey.StartsWith(IncidentPosts.KeyPrefix, StringComparison.Ordinal));
        Assert.Equal(Alert.IncidentResolvedKind, Alert.FromJson(row.GetString("Payload")!).Kind);
        Assert.Equal(ChannelState.Sent, row.GetString("teams_State"));
    }

    [Fact]
    public async Task A_channel_timing_out_on_the_resolved_post_sends_it_once_on_the_next_sweep()
    {
        var channel = new Mock<IAlertChannel>();
        channel.SetupGet(c => c.Name).Returns("mock");
        channel.SetupGet(c => c.IsEnabled).Returns(true);
        channel.SetupSequence(c => c.SendAsync(It.Is<Alert>(a => a.Kind == Alert.IncidentResolvedKind), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."))
            .Returns(Task.CompletedTask);
        await using var services = Services(configure: s => s.AddTransient(_ => channel.Object));

        await StormThenQuietWithCallsAsync(services);

        channel.Verify(c => c.SendAsync(It.Is<Alert>(a => a.Kind == Alert.IncidentResolvedKind), It.IsAny<CancellationToken>()), Times.Exactly(2));
        Assert.Single(Titles(), t => t.StartsWith("Resolved:", StringComparison.Ordinal));
    }

    private async Task StormThenQuietWithCallsAsync(ServiceProvider services)
    {
        for (var i = 0; i < 5; i++)
        {
            _time.Now = Begin.AddMinutes(3 * i + 5);
            await CallAsync($"CAres{i:D2}", Begin.AddMinutes(3 * i));
            await SweepAsync(services);
        }
        for (var i = 0; i < 20; i++)
        {
            _time.Now = Begin.AddMinutes(30 + 10 * i);
            await CallAsync($"CAresfix{i:D2}", _time.Now.AddMinutes(-4), twin: false);
            await SweepAsync(services);
        }
    }

    // Opened (000), one roll-up an hour later (001), resolved (002): StormThenQuietWithCallsAsync's posts.
    private const string ResolvedRow = "e0001-002";

    private static Alert CallAlert(string sid) => new(Alert.DuplicateKind, sid, "0002", false, $"One call produced 2 conversations ({sid})",
        "A phone call produced 2 conversations.", [new("Call", sid), new("Likely cause", "the platform created both conversations")],
        [new($"conv_{sid}_real", "done", false, Begin, 60, true, 6, null, "https://elevenlabs.io/app/agents/history/x")], "Subject: test", Begin);

    /// <summary>
    /// The app's storage account whose <c>alerts</c> table fails one precise write (a 503 after its retries), every
    /// other call going to Azurite unchanged.
    /// </summary>
    private StorageAccount FailingOnce(Func<TableEntity, bool> when)
    {
        var real = StorageAccount.FromConnectionString(azurite.ConnectionString);
        var alerts = new Mock<TableClient>(azurite.ConnectionString, StorageNames.AlertsTable, new TableClientOptions()) { CallBase = true };
        var unavailable = new RequestFailedException(503, "The server is busy.");
        alerts.Setup(t => t.AddEntityAsync(It.Is<TableEntity>(e => when(e)), It.IsAny<CancellationToken>())).ThrowsAsync(unavailable);
        alerts.Setup(t => t.UpdateEntityAsync(It.Is<TableEntity>(e => when(e)), It.IsAny<ETag>(), It.IsAny<TableUpdateMode>(), It.IsAny<CancellationToken>())).ThrowsAsync(unavailable);
        var tables = new Mock<TableServiceClient>(azurite.ConnectionString, new TableClientOptions()) { CallBase = true };
        tables.Setup(t => t.GetTableClient(StorageNames.AlertsTable)).Returns(alerts.Object);
        return new StorageAccount(real.Blobs, real.Queues, tables.Object);
    }
}

using System.Text;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Correlation;
using ConvoFunctions.Initiation;
using ConvoFunctions.Sweep;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.Detection;

/// <summary>
/// An agent with a call every minute always has a call too young to search. Each call is searched once its own window
/// has settled, whatever its neighbours, so the checkpoint keeps pace and a lonely call start is judged.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BusyAgentTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string InitiationSecret = "isec_busy_agent_0123456789";
    private static readonly DateTimeOffset Begin = DateTimeOffset.FromUnixTimeSeconds(1763996400);
    private readonly ManualTimeProvider _time = new(Begin);
    private ElevenLabsStandIn _elevenLabs = null!;

    public async Task InitializeAsync()
    {
        await Enrichment.EnrichmentStorage.ResetAsync(azurite.Storage);
        _elevenLabs = await ElevenLabsStandIn.StartAsync(Samples.ApiKey);
    }

    public async Task DisposeAsync() => await _elevenLabs.DisposeAsync();

    [Fact]
    public async Task A_call_a_minute_for_two_hours_keeps_the_checkpoint_within_two_schedules_and_a_lonely_call_start_is_judged()
    {
        await using var services = TestServices.Create(azurite.ConnectionString, _time, new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsApiKey] = Samples.ApiKey,
            [SettingNames.ElevenLabsBaseUrl] = _elevenLabs.BaseAddress.ToString(),
            [SettingNames.ElevenLabsInitiationSecret] = InitiationSecret,
            [SettingNames.DetectionWebhookHealthEnabled] = "false",
            [SettingNames.DetectionAlertVerdicts] = "RealPlusBlank,NoConversation",
        });
        var repository = services.GetRequiredService<CorrelationRepository>();
        var sweep = services.GetRequiredService<DuplicateSweep>();
        var checkpoint = services.GetRequiredService<SweepCheckpoint>();
        var schedule = TimeSpan.FromMinutes(5);
        var settle = TimeSpan.FromMinutes(2); // the default SettleDelay
        var worstLag = TimeSpan.Zero;
        var lonely = "CAlonely" + Guid.NewGuid().ToString("N")[..24];
        var noConversationAlerts = 0;

        for (var minute = 1; minute <= 120; minute++)
        {
            _time.Now = Begin.AddMinutes(minute);
            var call = Samples.Variant(Samples.RealJson(), $"conv_busy_{minute:D3}", _time.Now.AddSeconds(-30).ToUnixTimeSeconds(), $"CAbusy{minute:D3}");
            _elevenLabs.Add(call);
            // Its webhook arrives when it ends, a minute later; read then.
            await repository.UpsertAsync(Samples.Facts(call, _time.Now), CancellationToken.None);
            if (minute == 30) await StartCallAsync(services, lonely);
            if (minute % 5 != 0) continue;

            var result = await sweep.RunAsync(CancellationToken.None);
            noConversationAlerts += result.Alerts.Count(a => a.Key == lonely && a.Created);
            var lag = _time.Now - (await checkpoint.ReadAsync(CancellationToken.None))!.Value;
            if (lag > worstLag) worstLag = lag;
        }

        Assert.True(worstLag <= settle + 2 * schedule, $"checkpoint lag reached {worstLag}");
        Assert.Equal(1, noConversationAlerts);
    }

    [Fact]
    public async Task Three_hundred_calls_on_three_agents_each_with_a_twin_that_sent_no_webhook_are_all_recorded_by_the_next_sweep()
    {
        // The calls started 20 to 10 minutes ago, two seconds apart; their real conversations' webhooks have arrived,
        // their blank twins (a second earlier, same call SID) sent none: only the list endpoint knows them.
        _time.Now = Begin.AddHours(1);
        await using var services = TestServices.Create(azurite.ConnectionString, _time, new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsApiKey] = Samples.ApiKey,
            [SettingNames.ElevenLabsBaseUrl] = _elevenLabs.BaseAddress.ToString(),
            [SettingNames.DetectionWebhookHealthEnabled] = "false",
        });
        var repository = services.GetRequiredService<CorrelationRepository>();
        var ids = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var start = _time.Now.AddMinutes(-20).AddSeconds(2 * i).ToUnixTimeSeconds();
            var sid = $"CAload{i:D4}";
            var real = Samples.Variant(Samples.RealJson(), $"conv_load_real_{i:D3}", start, sid);
            var twin = Samples.Variant(Samples.BlankJson(), $"conv_load_twin_{i:D3}", start - 1, sid);
            real["agent_id"] = $"agent_load_{i % 3}";
            twin["agent_id"] = $"agent_load_{i % 3}";
            _elevenLabs.Add(real);
            _elevenLabs.Add(twin);
            ids.Add($"conv_load_real_{i:D3}");
            ids.Add($"conv_load_twin_{i:D3}");
            await repository.UpsertAsync(Samples.Facts(real, _time.Now), CancellationToken.None);
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        var result = await services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);

        Assert.Equal(300, result.Discovery.Found.Count);
        Assert.False(result.Discovery.Truncated);
        var recorded = 0;
        foreach (var id in ids) recorded += await repository.GetConversationAsync(id, CancellationToken.None) is null ? 0 : 1;
        Assert.Equal(600, recorded);
        Assert.Equal(300, result.Duplicates.Count);
    }

    [Fact]
    public async Task A_sweep_cut_by_its_budget_saves_its_progress_and_the_next_continues_where_it_stopped()
    {
        // 300 calls, each with a known blank twin: 600 changes, three batches. The clock moves on every reading, so
        // the budget is spent after the first batch of each run.
        var clock = new SteppingTimeProvider(Begin.AddHours(1), TimeSpan.FromMilliseconds(10));
        await using var services = TestServices.Create(azurite.ConnectionString, clock, new Dictionary<string, string?>
        {
            [SettingNames.DetectionWebhookHealthEnabled] = "false",
            [SettingNames.DetectionDiscoveryEnabled] = "false",
            [SettingNames.DetectionSweepBudget] = "00:00:01",
            // Incidents off: every call judged is then an alert created, which is what this counts.
            [SettingNames.AlertsIncidentThreshold] = "0",
        });
        var repository = services.GetRequiredService<CorrelationRepository>();
        for (var i = 0; i < 300; i++)
        {
            var start = Begin.AddMinutes(10).AddSeconds(2 * i).ToUnixTimeSeconds();
            await repository.UpsertAsync(Samples.Facts(Samples.Variant(Samples.RealJson(), $"conv_cut_real_{i:D3}", start, $"CAcut{i:D3}"), clock.GetUtcNow()), CancellationToken.None);
            await repository.UpsertAsync(Samples.Facts(Samples.Variant(Samples.BlankJson(), $"conv_cut_twin_{i:D3}", start - 1, $"CAcut{i:D3}"), clock.GetUtcNow()), CancellationToken.None);
        }
        var sweep = services.GetRequiredService<DuplicateSweep>();
        var checkpoint = services.GetRequiredService<SweepCheckpoint>();

        var first = await sweep.RunAsync(CancellationToken.None);
        var afterFirst = (await checkpoint.ReadAsync(CancellationToken.None))!.Value;

        Assert.True(first.Discovery.Truncated, "the first run should have been cut short");
        Assert.InRange(first.Alerts.Count(a => a.Created), 1, 299);
        Assert.True(afterFirst > Begin.AddHours(1) && afterFirst < first.To, $"checkpoint {afterFirst:o} should lie inside the window");
        Assert.Contains(services.GetRequiredService<TestLog>().Lines, l => l.Contains("Sweep cut short by Detection:SweepBudget after 1 of 3 batches", StringComparison.Ordinal));

        var created = first.Alerts.Count(a => a.Created);
        for (var run = 0; run < 5; run++) created += (await sweep.RunAsync(CancellationToken.None)).Alerts.Count(a => a.Created);
        Assert.Equal(300, created);
    }

    /// <summary>A clock that moves on by <paramref name="step"/> every time it is read: time passes as work is done.</summary>
    private sealed class SteppingTimeProvider(DateTimeOffset start, TimeSpan step) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, step.Ticks) - step.Ticks, TimeSpan.Zero);
    }

    private async Task StartCallAsync(ServiceProvider services, string callSid)
    {
        var body = new JsonObject
        {
            ["caller_id"] = "+447700900123", ["agent_id"] = "agent_01jx7sample0000000000000",
            ["called_number"] = "+442071838750", ["call_sid"] = callSid,
        };
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(body.ToJsonString()));
        Assert.Equal(200, (await services.GetRequiredService<InitiationResponder>().HandleAsync(stream, InitiationSecret, CancellationToken.None)).StatusCode);
        await services.GetRequiredService<InitiationChanges>().FlushAsync(CancellationToken.None);
    }
}

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

using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Conversations;
using ConvoFunctions.Correlation;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Storage;
using ConvoFunctions.Sweep;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Benchmarks;

/// <summary>
/// Does discovery keep pace when every call has a blank twin that sends no webhook? N calls an hour over three agents,
/// each call's real conversation recorded as its webhook would, its twin known only to the stand-in API (100 ms a
/// request, the default <c>ElevenLabs:MaxConcurrency</c> 4). The app's real sweep runs every 5 minutes of a simulated
/// clock, default settings; each sweep's wall time is measured. Reported: twins found / expected, the checkpoint's lag
/// behind the clock after each sweep, sweep wall time, and the detail reads per second achieved beside the API bound
/// (concurrency ÷ latency). Loopback only; bounded by the simulated hours and a 20-minute deadline.
/// </summary>
internal static class DiscoveryPace
{
    private static readonly TimeSpan Schedule = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(100);
    private const int Agents = 3;
    private const string ApiKey = "xi_discovery_pace_key";

    public static async Task<int> RunAsync(int callsPerHour, int hours)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        var ct = deadline.Token;
        await using var azurite = await AzuriteProcess.StartAsync(location: null, cancellationToken: ct);
        await using var api = await ElevenLabsStandIn.StartAsync(ApiKey, new StandInFaults(Latency: Latency), ct);
        var clock = new SettableTime(DateTimeOffset.FromUnixTimeSeconds(1763996400));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SettingNames.Storage] = azurite.ConnectionString,
            [SettingNames.ElevenLabsWebhookSecret] = "wsec_benchmark_only",
            [SettingNames.ElevenLabsApiKey] = ApiKey,
            [SettingNames.ElevenLabsBaseUrl] = api.BaseAddress.ToString(),
            [SettingNames.DetectionWebhookHealthEnabled] = "false",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton(StorageClock.Following(clock));
        services.AddConvoFunctions(configuration);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<StorageAccount>().EnsureCreatedAsync(ct);
        var repository = provider.GetRequiredService<CorrelationRepository>();
        var sweep = provider.GetRequiredService<DuplicateSweep>();
        var checkpoint = provider.GetRequiredService<SweepCheckpoint>();
        var concurrency = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ElevenLabsOptions>>().Value.MaxConcurrency;

        var steps = (int)(TimeSpan.FromHours(hours) / Schedule);
        var perStep = callsPerHour * Schedule.TotalHours;
        var twins = new HashSet<string>(StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        var lags = new List<TimeSpan>();
        var sweepSeconds = new List<double>();
        var details = 0;
        var discovering = TimeSpan.Zero;
        var call = 0;
        Console.WriteLine(FormattableString.Invariant($"discovery pace: {callsPerHour} calls/h over {Agents} agents for {hours} h, each with a webhook-less twin; API {Latency.TotalMilliseconds} ms, MaxConcurrency {concurrency}"));

        // The calls of each 5 minutes, then the sweep at its end; then three more schedules for the last settle zone.
        for (var step = 0; step < steps + 3; step++)
        {
            var stepStart = clock.Now;
            for (var i = 0; step < steps && i < (int)Math.Round(perStep * (step + 1)) - (int)Math.Round(perStep * step); i++, call++)
            {
                var start = stepStart + Schedule * (i / perStep);
                var (real, twin) = Call(call, start);
                api.Add(real);
                api.Add(twin);
                twins.Add((string)twin["conversation_id"]!);
                // The webhook arrives when the call ends, two minutes later; recorded as enrichment records it.
                var facts = ConversationFacts.FromConversation(
                    System.Text.Json.JsonSerializer.Deserialize<ConversationDto>(real.ToJsonString(), ElevenLabsJson.Options)!,
                    (string)real["conversation_id"]!, FactSources.Api, eventTime: null, start.AddMinutes(2));
                await repository.UpsertAsync(facts, ct);
            }
            clock.Now = stepStart + Schedule;
            var watch = Stopwatch.StartNew();
            var result = await sweep.RunAsync(ct);
            sweepSeconds.Add(watch.Elapsed.TotalSeconds);
            details += result.Discovery.Details;
            discovering += result.Discovery.Elapsed;
            found.UnionWith(result.Discovery.Found.Select(c => c.ConversationId).Where(twins.Contains));
            lags.Add(clock.Now - (await checkpoint.ReadAsync(ct) ?? clock.Now));
        }

        var readsPerSecond = details / sweepSeconds.Sum();
        var readsPerSecondDiscovering = details / Math.Max(0.001, discovering.TotalSeconds);
        var bound = concurrency / Latency.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $$"""
            calls                         {{call}}
            twins found / expected        {{found.Count}} / {{twins.Count}} ({{(double)found.Count / Math.Max(1, twins.Count):P1}})
            sweeps                        {{sweepSeconds.Count}} (every 5 simulated minutes)
            sweep wall time p50 / max     {{Median(sweepSeconds):F1}} s / {{sweepSeconds.Max():F1}} s (schedule 300 s)
            checkpoint lag max / at end   {{lags.Max().TotalMinutes:F1}} min / {{lags[^1].TotalMinutes:F1}} min (bound: settle 2 min + two schedules = 12 min)
            detail reads                  {{details}} in {{sweepSeconds.Sum():F1}} s of sweeping
            detail reads per second       {{readsPerSecond:F1}} beside the API bound {{bound:F1}} (MaxConcurrency {{concurrency}} / {{Latency.TotalMilliseconds}} ms): {{readsPerSecond / bound:P0}}
            of which discovering          {{discovering.TotalSeconds:F1}} s: {{readsPerSecondDiscovering:F1}} detail reads per second while discovering, {{readsPerSecondDiscovering / bound:P0}} of the bound
            """));
        return found.Count == twins.Count && lags.Max() <= TimeSpan.FromMinutes(12) ? 0 : 1;
    }

    private static (JsonObject Real, JsonObject Twin) Call(int i, DateTimeOffset start)
    {
        var sid = $"CApace{i:D6}";
        var agent = $"agent_pace_{i % Agents}";
        JsonObject Conversation(string id, bool blank, DateTimeOffset at) => new()
        {
            ["agent_id"] = agent,
            ["conversation_id"] = id,
            ["status"] = blank ? "initiated" : "done",
            ["transcript"] = blank ? new JsonArray() : new JsonArray(
                new JsonObject { ["role"] = "agent", ["message"] = "Hello", ["time_in_call_secs"] = 0 },
                new JsonObject { ["role"] = "user", ["message"] = "Hi", ["time_in_call_secs"] = 2 }),
            ["metadata"] = new JsonObject
            {
                ["start_time_unix_secs"] = at.ToUnixTimeSeconds(),
                ["call_duration_secs"] = blank ? 0 : 95,
                ["conversation_initiation_source"] = "twilio",
                ["phone_call"] = new JsonObject
                {
                    ["direction"] = "inbound", ["type"] = "twilio", ["call_sid"] = sid,
                    ["agent_number"] = "+442079460000", ["external_number"] = $"+4477009{i % 100000:D5}",
                },
            },
            ["has_audio"] = !blank, ["has_user_audio"] = !blank, ["has_response_audio"] = !blank,
        };
        return (Conversation($"conv_pace_{i:D6}", false, start), Conversation($"conv_pace_{i:D6}_twin", true, start.AddSeconds(-1)));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private sealed class SettableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Benchmarks;

/// <summary>
/// Load check for enrichment (docs/benchmarks.md, "Enrichment throughput"): Azurite in memory, a stand-in ElevenLabs API on
/// loopback answering after a fixed latency, N queued messages processed through the same host and
/// <see cref="QueuePoller"/> as <c>convo serve</c>. Prints messages/s and its ratio to MaxConcurrency ÷ latency.
/// </summary>
internal static class EnrichmentThroughput
{
    private const string ApiKey = "bench-api-key";

    public static Command Create()
    {
        var messages = new Option<int>("--messages") { Description = "Messages to process.", DefaultValueFactory = _ => 500 };
        var latency = new Option<int>("--latency-ms") { Description = "Stand-in API latency.", DefaultValueFactory = _ => 50 };
        var concurrency = new Option<int>("--concurrency") { Description = "ElevenLabs:MaxConcurrency and ElevenLabs:AppMaxConcurrency.", DefaultValueFactory = _ => 4 };
        var command = new Command("enrichment", "Measure enrichment throughput through the convo serve path.")
        {
            messages, latency, concurrency,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(messages), result.GetValue(latency), result.GetValue(concurrency), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int count, int latencyMs, int maxConcurrency, CancellationToken cancellationToken)
    {
        await using var azurite = await AzuriteProcess.StartAsync(location: null, cancellationToken: cancellationToken);
        await using var api = await ElevenLabsStandIn.StartAsync(ApiKey, new StandInFaults(Latency: TimeSpan.FromMilliseconds(latencyMs)), cancellationToken);
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsWebhookSecret] = LocalConfiguration.DevelopmentWebhookSecret,
            [SettingNames.ElevenLabsApiKey] = ApiKey,
            [SettingNames.ElevenLabsBaseUrl] = api.BaseAddress.ToString(),
            [SettingNames.ElevenLabsMaxConcurrency] = maxConcurrency.ToString(CultureInfo.InvariantCulture),
            // The app-wide bound (a blob lease per call) at the same value: its overhead is part of what is measured.
            [SettingNames.ElevenLabsAppMaxConcurrency] = maxConcurrency.ToString(CultureInfo.InvariantCulture),
        }).Build();

        // Warm-up on a first host (JIT, connections), then measure fresh hosts on a full queue: with the app-wide
        // bound (a blob lease per API call, as deployed) and, side by side in the same run, with the per-instance bound only.
        var warmup = Math.Min(40, count);
        await RunHostAsync(api, settings, azurite.ConnectionString, "warm", warmup, appWide: true, cancellationToken);
        var ideal = maxConcurrency / (latencyMs / 1000.0);
        foreach (var appWide in new[] { true, false })
        {
            api.ResetPeak();
            var requestsBefore = api.Requests.Count;
            var elapsed = await RunHostAsync(api, settings, azurite.ConnectionString, appWide ? "bench" : "local", count, appWide, cancellationToken);
            var rate = count / elapsed.TotalSeconds;
            Console.WriteLine(FormattableString.Invariant(
                $"bound={(appWide ? "app-wide" : "instance")} messages={count} latency_ms={latencyMs} max_concurrency={maxConcurrency} elapsed_s={elapsed.TotalSeconds:F2}"));
            Console.WriteLine(FormattableString.Invariant(
                $"throughput_msg_per_s={rate:F1} ideal_msg_per_s={ideal:F1} ratio={rate / ideal:F2} peak_api_concurrency={api.PeakConcurrency} api_requests={api.Requests.Count - requestsBefore} mean_stand_in_ms={api.MeanHandlingMs:F1}"));
        }
        return 0;
    }

    private static async Task<TimeSpan> RunHostAsync(
        ElevenLabsStandIn api, IConfiguration settings, string storage, string prefix, int count, bool appWide, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++) api.Add(Conversation($"conv_{prefix}_{i:D5}"));
        await using var app = LocalFunctionsHost.Build(settings, storage, new Uri("http://127.0.0.1:0"), LogLevel.Warning,
            configure: appWide ? null : services => services.RemoveAll<ElevenLabs.AppConcurrencySlots>());
        await LocalFunctionsHost.EnsureStorageAsync(app, cancellationToken);
        var store = app.Services.GetRequiredService<WebhookStore>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => await store.EnqueueAsync(new WebhookEventMessage(
                WebhookEventTypes.PostCallTranscription, $"conv_{prefix}_{i:D5}", "agent_bench", 1763996550,
                $"2025/11/24/post_call_transcription/conv_{prefix}_{i:D5}/bench.json", new string('0', 64), DateTimeOffset.UnixEpoch), ct));

        var poller = app.Services.GetRequiredService<QueuePoller>();
        var stopwatch = Stopwatch.StartNew();
        await app.StartAsync(cancellationToken);
        while (poller.Completed < count)
        {
            if (stopwatch.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"Only {poller.Completed} of {count} messages completed.");
            await Task.Delay(10, cancellationToken);
        }
        stopwatch.Stop();
        await app.StopAsync(cancellationToken);
        return stopwatch.Elapsed;
    }

    private static JsonObject Conversation(string id)
    {
        var transcript = new JsonArray();
        for (var i = 0; i < 10; i++)
        {
            transcript.Add(new JsonObject { ["role"] = i % 2 == 0 ? "agent" : "user", ["message"] = $"Sample turn {i}", ["time_in_call_secs"] = i * 6 });
        }
        var sid = "CA" + Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(id)))[..32];
        return new JsonObject
        {
            ["agent_id"] = "agent_bench",
            ["conversation_id"] = id,
            ["status"] = "done",
            ["transcript"] = transcript,
            ["metadata"] = new JsonObject
            {
                ["start_time_unix_secs"] = 1763996400,
                ["call_duration_secs"] = 142,
                ["termination_reason"] = "Call ended by remote party",
                ["phone_call"] = new JsonObject
                {
                    ["direction"] = "inbound", ["agent_number"] = "+442079460000", ["external_number"] = "+447700900123",
                    ["type"] = "twilio", ["stream_sid"] = "MZ" + sid[2..], ["call_sid"] = sid,
                },
            },
            ["conversation_initiation_client_data"] = new JsonObject
            {
                ["dynamic_variables"] = new JsonObject { ["system__call_sid"] = sid, ["system__caller_id"] = "+447700900123" },
            },
            ["has_audio"] = true, ["has_user_audio"] = true, ["has_response_audio"] = true,
        };
    }
}

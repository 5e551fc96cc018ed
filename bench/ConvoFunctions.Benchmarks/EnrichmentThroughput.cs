using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
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
        await using var api = await StandInApi.StartAsync(TimeSpan.FromMilliseconds(latencyMs));
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsWebhookSecret] = LocalConfiguration.DevelopmentWebhookSecret,
            [SettingNames.ElevenLabsApiKey] = "bench-api-key",
            [SettingNames.ElevenLabsBaseUrl] = api.BaseAddress.ToString(),
            [SettingNames.ElevenLabsMaxConcurrency] = maxConcurrency.ToString(CultureInfo.InvariantCulture),
            // The app-wide bound (a blob lease per call) at the same value: its overhead is part of what is measured.
            [SettingNames.ElevenLabsAppMaxConcurrency] = maxConcurrency.ToString(CultureInfo.InvariantCulture),
        }).Build();

        // Warm-up on a first host (JIT, connections), then measure fresh hosts on a full queue: with the app-wide
        // bound (a blob lease per API call, as deployed) and, side by side in the same run, with the per-instance bound only.
        var warmup = Math.Min(40, count);
        await RunHostAsync(settings, azurite.ConnectionString, "warm", warmup, appWide: true, cancellationToken);
        var ideal = maxConcurrency / (latencyMs / 1000.0);
        foreach (var appWide in new[] { true, false })
        {
            api.ResetPeak();
            var requestsBefore = api.Requests;
            var elapsed = await RunHostAsync(settings, azurite.ConnectionString, appWide ? "bench" : "local", count, appWide, cancellationToken);
            var rate = count / elapsed.TotalSeconds;
            Console.WriteLine(FormattableString.Invariant(
                $"bound={(appWide ? "app-wide" : "instance")} messages={count} latency_ms={latencyMs} max_concurrency={maxConcurrency} elapsed_s={elapsed.TotalSeconds:F2}"));
            Console.WriteLine(FormattableString.Invariant(
                $"throughput_msg_per_s={rate:F1} ideal_msg_per_s={ideal:F1} ratio={rate / ideal:F2} peak_api_concurrency={api.Peak} api_requests={api.Requests - requestsBefore} mean_stand_in_ms={api.MeanServerMs:F1}"));
        }
        return 0;
    }

    private static async Task<TimeSpan> RunHostAsync(IConfiguration settings, string storage, string prefix, int count, bool appWide, CancellationToken cancellationToken)
    {
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

    /// <summary>Answers <c>GET /v1/convai/conversations/{id}</c> with a real-shaped conversation after a fixed delay.</summary>
    private sealed class StandInApi : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _current;
        private int _peak;
        private int _requests;
        private long _serverTicks;

        private StandInApi(WebApplication app) => _app = app;

        public Uri BaseAddress { get; private set; } = null!;
        public int Peak => Volatile.Read(ref _peak);
        public int Requests => Volatile.Read(ref _requests);
        public double MeanServerMs => Requests == 0 ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref _serverTicks) / Requests).TotalMilliseconds;
        public void ResetPeak() => Volatile.Write(ref _peak, 0);

        public static async Task<StandInApi> StartAsync(TimeSpan latency)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var api = new StandInApi(app);
            app.MapGet("/v1/convai/conversations/{id}", async (string id, HttpContext context) =>
            {
                Interlocked.Increment(ref api._requests);
                var started = Stopwatch.GetTimestamp();
                var now = Interlocked.Increment(ref api._current);
                int peak;
                while (now > (peak = Volatile.Read(ref api._peak)) && Interlocked.CompareExchange(ref api._peak, now, peak) != peak) { }
                try
                {
                    await Task.Delay(latency, context.RequestAborted);
                    return Results.Text(Conversation(id), "application/json");
                }
                finally
                {
                    Interlocked.Decrement(ref api._current);
                    Interlocked.Add(ref api._serverTicks, Stopwatch.GetElapsedTime(started).Ticks);
                }
            });
            await app.StartAsync();
            api.BaseAddress = new Uri(app.Urls.First());
            return api;
        }

        private static string Conversation(string id)
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
            }.ToJsonString();
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

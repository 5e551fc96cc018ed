using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using ConvoFunctions.App;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Benchmarks;

/// <summary>
/// The webhook route against its storage bound (issue 10): at 8 and at 32 requests in flight, signed 4 KB
/// <c>post_call_transcription</c> bodies posted over loopback HTTP to the served route (enrichment paused: no queue
/// poller), side by side with the bare storage work each webhook needs (one Put Blob of the body plus one Put Message
/// of its event) from a tight loop with the same concurrency, against the same Azurite. Rounds alternate between the
/// two so that load from other processes falls on both alike. Goal: route throughput ≥ 0.7 × the bare loop's.
/// Bounded by request count and a time budget.
/// </summary>
internal static class IngestBound
{
    private const string Secret = "wsec_benchmark_only";
    private const int Rounds = 6;
    private const double Goal = 0.7;
    private static readonly int[] Concurrencies = [8, 32];
    private static readonly TimeSpan TotalBudget = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(int webhooksPerConcurrency)
    {
        var count = Math.Clamp(webhooksPerConcurrency, Rounds * 32, 100_000);
        using var budget = new CancellationTokenSource(TotalBudget);
        var ct = budget.Token;
        await using var azurite = await AzuriteProcess.StartAsync(location: null, cancellationToken: ct);
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsWebhookSecret] = Secret,
            // The sweep stays out of the measurement: once a year.
            [SettingNames.DetectionSchedule] = "0 0 0 1 1 *",
        }).Build();
        await using var app = LocalFunctionsHost.Build(settings, azurite.ConnectionString, new Uri("http://127.0.0.1:0"), LogLevel.Warning, pollQueue: false);
        await LocalFunctionsHost.EnsureStorageAsync(app, ct);
        await app.StartAsync(ct);
        var url = new Uri($"{app.Urls.First()}/{Routes.Prefix}/{Routes.ElevenLabsWebhook}");

        // The bare loop's own clients, the same SDK defaults the app's StorageAccount uses.
        var storage = StorageAccount.FromConnectionString(azurite.ConnectionString);
        var container = storage.Container("benchbare");
        var queue = storage.Queue("benchbare");
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        await queue.CreateIfNotExistsAsync(cancellationToken: ct);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 });
        var sent = 0;

        Console.WriteLine($"4 KB post_call_transcription bodies, {count} webhooks per concurrency and side, {Rounds} alternating rounds; load average at start: {LoadAverage()}");
        var passed = true;
        foreach (var concurrency in Concurrencies)
        {
            // Warm-up at this concurrency: JIT, connection pools, the emulator's first writes.
            sent += concurrency * 4;
            await ClosedLoop.RunAsync(concurrency * 4, concurrency, i => PostAsync(http, url, $"warm{concurrency}_{i}", ct), ct);
            await ClosedLoop.RunAsync(concurrency * 4, concurrency, i => BareAsync(container, queue, $"warm{concurrency}_{i}", ct), ct);

            var route = new Sample();
            var bare = new Sample();
            var perRound = count / Rounds;
            for (var round = 0; round < Rounds; round++)
            {
                var prefix = $"c{concurrency}_r{round}";
                Func<Task> routeRound = async () => route.Add(await ClosedLoop.RunAsync(perRound, concurrency, i => PostAsync(http, url, $"{prefix}_{i}", ct), ct));
                Func<Task> bareRound = async () => bare.Add(await ClosedLoop.RunAsync(perRound, concurrency, i => BareAsync(container, queue, $"{prefix}_{i}", ct), ct));
                if (round % 2 == 0) { await routeRound(); await bareRound(); }
                else { await bareRound(); await routeRound(); }
                sent += perRound;
            }
            var ratio = route.Throughput / bare.Throughput;
            passed &= ratio >= Goal;
            Console.WriteLine($"concurrency {concurrency}:");
            Console.WriteLine(route.Row("webhook route"));
            Console.WriteLine(bare.Row("bare Put Blob + Put Message"));
            Console.WriteLine($"  throughput ratio route / bare: {ratio:F2} (goal >= {Goal:F2}) {(ratio >= Goal ? "MET" : "NOT MET")}; p99 ratio {route.P99 / bare.P99:F2}");
        }

        // Counting, not trusting: every 200 left one blob and one message.
        var blobs = 0;
        await foreach (var _ in storage.Container(StorageNames.WebhookContainer).GetBlobsAsync(cancellationToken: ct)) blobs++;
        var messages = (await storage.Queue(StorageNames.WebhookEventsQueue).GetPropertiesAsync(ct)).Value.ApproximateMessagesCount;
        Console.WriteLine($"route: {sent} webhooks answered 200, {blobs} archived, {messages} queued; load average at end: {LoadAverage()}");
        return passed && blobs == sent && messages == sent ? 0 : 1;
    }

    private static async Task PostAsync(HttpClient http, Uri url, string conversationId, CancellationToken ct)
    {
        var body = Body(conversationId);
        var signature = WebhookSigner.Sign(body, Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(SignatureHeader.Name, signature);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"the route answered {(int)response.StatusCode}");
    }

    // What ingest must do at least for one webhook, with nothing else: the body to a blob, a small event to a queue.
    private static async Task BareAsync(BlobContainerClient container, QueueClient queue, string conversationId, CancellationToken ct)
    {
        var body = Body(conversationId);
        await container.GetBlobClient($"bare/{conversationId}.json").UploadAsync(new BinaryData(body),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, ct);
        await queue.SendMessageAsync(
            new WebhookEventMessage(WebhookEventTypes.PostCallTranscription, conversationId, "agent_bench", 1763996550,
                $"2025/11/24/post_call_transcription/{conversationId}/bench.json", new string('0', 64), DateTimeOffset.UtcNow).ToJson(), ct);
    }

    /// <summary>A post_call_transcription body of 4 KB (a short transcript), for one conversation.</summary>
    private static byte[] Body(string conversationId)
    {
        var transcript = new JsonArray();
        var data = new JsonObject
        {
            ["agent_id"] = "agent_bench",
            ["conversation_id"] = conversationId,
            ["status"] = "done",
            ["transcript"] = transcript,
            ["metadata"] = new JsonObject { ["start_time_unix_secs"] = 1763996400, ["call_duration_secs"] = 142 },
        };
        var json = new JsonObject { ["type"] = WebhookEventTypes.PostCallTranscription, ["event_timestamp"] = 1763996550, ["data"] = data };
        for (var turn = 0; json.ToJsonString().Length < 4096 - 120; turn++)
        {
            transcript.Add(new JsonObject { ["role"] = turn % 2 == 0 ? "agent" : "user", ["message"] = $"Sample turn {turn} of a short call.", ["time_in_call_secs"] = turn * 6 });
        }
        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private sealed class Sample
    {
        private readonly List<double> _latencies = [];
        private TimeSpan _elapsed;

        public void Add((double[] Latencies, TimeSpan Elapsed) round)
        {
            _latencies.AddRange(round.Latencies);
            _elapsed += round.Elapsed;
        }

        public double Throughput => _latencies.Count / _elapsed.TotalSeconds;

        public double P99 => Percentile(0.99);

        private double Percentile(double q) => ClosedLoop.Percentile(_latencies, q);

        public string Row(string name) =>
            $"  {name,-28} {Throughput,7:F0} webhooks/s   p50 {Percentile(0.5),6:F1} ms   p99 {P99,6:F1} ms";
    }
}

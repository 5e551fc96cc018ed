using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using ConvoFunctions.App;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Initiation;
using ConvoFunctions.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Benchmarks;

/// <summary>
/// Latency of the call-start route (issue 12) over loopback HTTP at 32 concurrent requests against Azurite, side by
/// side with a bare Table insert of the same row at the same concurrency (goal: p99 ratio ≤ 1.5); then proxy mode
/// against a stand-in upstream that answers after 100 ms (goal: p99 ≤ 150 ms). The route and the insert run in
/// alternating rounds so that load from other processes falls on both alike. Bounded by request count and a budget.
/// </summary>
internal static class InitiationLatency
{
    private const int Concurrency = 32;
    private const int Rounds = 10;
    private const string Secret = "isec_benchmark_only";
    private static readonly TimeSpan UpstreamDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan TotalBudget = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(int requests)
    {
        requests = Math.Clamp(requests, Rounds * Concurrency, 100_000);
        using var total = new CancellationTokenSource(TotalBudget);
        var ct = total.Token;
        await using var azurite = await AzuriteProcess.StartAsync(location: null, cancellationToken: ct);

        await using var upstream = await StandInUpstreamAsync(ct);
        await using var direct = await HostAsync(azurite.ConnectionString, upstream: null, ct);
        await using var proxy = await HostAsync(azurite.ConnectionString, upstream, ct);
        var insertTable = StorageAccount.FromConnectionString(azurite.ConnectionString).Table("benchinserts");
        await insertTable.CreateIfNotExistsAsync(ct);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency * 2 });
        var routeUrl = RouteUrl(direct);
        var proxyUrl = RouteUrl(proxy);

        // Warm-up: JIT, connection pools, the emulator's first table writes.
        await RunAsync(Concurrency * 4, _ => PostAsync(http, routeUrl, ct), ct);
        await RunAsync(Concurrency * 4, _ => InsertAsync(insertTable, ct), ct);
        await RunAsync(Concurrency * 2, _ => PostAsync(http, proxyUrl, ct), ct);

        var route = new List<double>();
        var insert = new List<double>();
        var perRound = requests / Rounds;
        for (var round = 0; round < Rounds; round++)
        {
            if (round % 2 == 0)
            {
                route.AddRange(await RunAsync(perRound, _ => PostAsync(http, routeUrl, ct), ct));
                insert.AddRange(await RunAsync(perRound, _ => InsertAsync(insertTable, ct), ct));
            }
            else
            {
                insert.AddRange(await RunAsync(perRound, _ => InsertAsync(insertTable, ct), ct));
                route.AddRange(await RunAsync(perRound, _ => PostAsync(http, routeUrl, ct), ct));
            }
        }
        var proxied = await RunAsync(Math.Max(perRound, Concurrency * 8), _ => PostAsync(http, proxyUrl, ct), ct);

        var ratio = P(route, 0.99) / P(insert, 0.99);
        var proxyBound = UpstreamDelay.TotalMilliseconds + 50;
        Console.WriteLine($"concurrency {Concurrency}, {route.Count} route requests and {insert.Count} inserts in {Rounds} alternating rounds, {proxied.Count} proxied requests");
        Console.WriteLine(Row("initiation route (defaults)", route));
        Console.WriteLine(Row("bare Table insert", insert));
        Console.WriteLine($"p99 ratio route / insert: {ratio:F2} (goal <= 1.50) {(ratio <= 1.5 ? "MET" : "NOT MET")}");
        Console.WriteLine(Row($"proxy mode, upstream {UpstreamDelay.TotalMilliseconds:F0} ms", proxied));
        Console.WriteLine($"proxy p99 {P(proxied, 0.99):F1} ms (goal <= {proxyBound:F0} ms) {(P(proxied, 0.99) <= proxyBound ? "MET" : "NOT MET")}");
        var rows = await CountAsync(StorageAccount.FromConnectionString(azurite.ConnectionString).Table(StorageNames.InitiationsTable), ct);
        var sent = route.Count + proxied.Count + Concurrency * 6;
        Console.WriteLine($"rows in {StorageNames.InitiationsTable}: {rows} of {sent} requests");
        return ratio <= 1.5 && P(proxied, 0.99) <= proxyBound && rows == sent ? 0 : 1;
    }

    private static async Task<List<double>> RunAsync(int count, Func<int, Task> operation, CancellationToken ct) =>
        [.. (await ClosedLoop.RunAsync(count, Concurrency, operation, ct)).Latencies];

    private static async Task PostAsync(HttpClient http, Uri url, CancellationToken ct)
    {
        var body = $$"""{"caller_id":"+447700900123","agent_id":"agent_bench","called_number":"+442071838750","call_sid":"CA{{Guid.NewGuid():N}}"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(InitiationSettings.SecretHeader, Secret);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"route answered {(int)response.StatusCode}");
        await response.Content.ReadAsByteArrayAsync(ct);
    }

    // The same row the route writes, written directly: the floor the route is compared with.
    private static Task InsertAsync(TableClient table, CancellationToken ct) =>
        table.AddEntityAsync(new TableEntity("CA" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N"))
        {
            ["RequestId"] = Guid.NewGuid().ToString("N"),
            ["ReceivedAt"] = DateTimeOffset.UtcNow,
            ["AgentId"] = "agent_bench",
            ["CallerId"] = "+447700900123",
            ["CalledNumber"] = "+442071838750",
            ["CallSid"] = "CA" + Guid.NewGuid().ToString("N"),
            ["CallId"] = null,
        }, ct);

    private static async Task<WebApplication> HostAsync(string connectionString, WebApplication? upstream, CancellationToken ct)
    {
        var settings = new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsWebhookSecret] = "wsec_benchmark_only",
            [SettingNames.ElevenLabsInitiationSecret] = Secret,
        };
        if (upstream is not null) settings[SettingNames.InitiationUpstreamUrl] = upstream.Urls.First() + "/personalize";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var app = LocalFunctionsHost.Build(configuration, connectionString, new Uri("http://127.0.0.1:0"), LogLevel.Warning, pollQueue: false);
        await LocalFunctionsHost.EnsureStorageAsync(app, ct);
        await app.StartAsync(ct);
        return app;
    }

    private static async Task<WebApplication> StandInUpstreamAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async context =>
        {
            await Task.Delay(UpstreamDelay, context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"type":"conversation_initiation_client_data","dynamic_variables":{"customer_name":"Ada"}}""");
        });
        await app.StartAsync(ct);
        return app;
    }

    private static Uri RouteUrl(WebApplication app) => new($"{app.Urls.First()}/{Routes.Prefix}/{Routes.ElevenLabsInitiation}");

    private static async Task<int> CountAsync(TableClient table, CancellationToken ct)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(select: ["PartitionKey"], cancellationToken: ct)) count++;
        return count;
    }

    private static double P(List<double> values, double q) => ClosedLoop.Percentile(values, q);

    private static string Row(string name, List<double> values) =>
        $"{name,-34} p50 {P(values, 0.50),7:F1} ms   p99 {P(values, 0.99),7:F1} ms   max {values.Max(),7:F1} ms";
}

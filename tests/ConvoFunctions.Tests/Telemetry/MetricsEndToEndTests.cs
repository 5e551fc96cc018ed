using System.Diagnostics.Metrics;
using System.Text;
using Azure.Data.Tables;
using ConvoFunctions.App.Telemetry;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Initiation;
using ConvoFunctions.Metrics;
using ConvoFunctions.Storage;
using ConvoFunctions.Sweep;
using ConvoFunctions.Tests.Enrichment;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace ConvoFunctions.Tests.Telemetry;

/// <summary>
/// The app's OpenTelemetry pipeline (<see cref="TelemetrySetup.AddConvoTelemetry"/>) exporting to memory while one call
/// goes the whole way: a call-start request through the proxy, its two post-call webhooks signed and ingested, their
/// queue messages enriched from the API, the sweep judging the call and posting the alert to Teams. Next to it the
/// things that go wrong in a day (a wrong initiation secret, an unknown webhook type, a malformed queue message, a
/// call-start answered while storage is down). Every instrument of <see cref="MetricNames.All"/> must have been exported.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class MetricsEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const long RealStart = 1763996400;
    private const string CallSid = "CAaaaa1111bbbb2222cccc3333dddd4444";
    private const string AgentId = "agent_01jx7sample0000000000000";
    private const string InitiationSecret = "isec_metrics_6a1f0c3e9b7d2a4f8c5e1a0d9f7b3c2e";
    private ElevenLabsStandIn _api = null!;
    private LoopbackServer _teams = null!;
    private LoopbackServer _upstream = null!;

    public async Task InitializeAsync()
    {
        await EnrichmentStorage.ResetAsync(azurite.Storage);
        foreach (var name in new[] { StorageNames.AlertsTable, StorageNames.InitiationsTable })
        {
            var table = azurite.Storage.Table(name);
            await table.CreateIfNotExistsAsync();
            await foreach (var e in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"])) await table.DeleteEntityAsync(e.PartitionKey, e.RowKey);
        }
        _api = await ElevenLabsStandIn.StartAsync(EnrichmentTests.ApiKey);
        _teams = await LoopbackServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 202;
            return Task.CompletedTask;
        });
        _upstream = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"type":"conversation_initiation_client_data","dynamic_variables":{"customer_name":"there"}}""");
        });
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _teams.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_call_from_webhook_to_alert_leaves_a_data_point_on_every_instrument()
    {
        var exported = new List<MetricSnapshot>();
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(RealStart).AddMinutes(10));

        await using (var services = Services(azurite.ConnectionString, time, exported, upstream: true))
        {
            await CallStartsAsync(services, InitiationSecret);
            await CallStartsAsync(services, "not-the-secret");

            _api.Add(Samples.RealConversation);
            _api.Add(Samples.BlankConversation);
            var ingestor = services.GetRequiredService<WebhookIngestor>();
            foreach (var body in new[] { Samples.TranscriptionWebhook(Samples.RealConversation), Samples.TranscriptionWebhook(Samples.BlankConversation), UnknownTypeWebhook() })
            {
                var result = await ingestor.IngestAsync(new MemoryStream(body), body.Length,
                    WebhookSigner.Sign(body, TestServices.Secret, time.GetUtcNow().ToUnixTimeSeconds()), CancellationToken.None);
                Assert.Equal(200, result.StatusCode);
            }

            // The queue consumer's work: every queued message delivered once, and one that no delivery can read.
            var processor = services.GetRequiredService<EnrichmentProcessor>();
            var queue = azurite.Storage.Queue(StorageNames.WebhookEventsQueue);
            var messages = (await queue.ReceiveMessagesAsync(32)).Value;
            Assert.Equal(2, messages.Length);
            foreach (var message in messages)
            {
                Assert.Equal(EnrichmentOutcome.Enriched, await processor.HandleDeliveryAsync(message.Body.ToString(), message.DequeueCount, CancellationToken.None));
            }
            Assert.Equal(EnrichmentOutcome.Poisoned, await processor.HandleDeliveryAsync("{not json", 1, CancellationToken.None));

            var sweep = await services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);
            Assert.Single(sweep.Duplicates);
            Assert.Single(_teams.Requests, r => r.Method == "POST");

            Flush(services);
        }

        // The anchor of a call that storage could not take: answered all the same, and counted.
        await using (var storageDown = Services(ConnectionWithClosedTablePort(), time, exported, upstream: false))
        {
            await CallStartsAsync(storageDown, InitiationSecret);
            Flush(storageDown);
        }

        var seen = exported.Where(m => m.MeterName == MetricNames.Meter && m.MetricPoints.Count > 0).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var missing = MetricNames.All.Select(d => d.Name).Where(name => !seen.Contains(name)).ToList();
        Assert.True(missing.Count == 0, $"No data point exported for: {string.Join(", ", missing)}");

        // And they say what happened, with the tags the alert rules and the workbook read.
        Assert.True(Count(exported, MetricNames.WebhooksReceived, ("type", "post_call_transcription"), ("outcome", "queued")) == 2);
        Assert.True(Count(exported, MetricNames.WebhooksReceived, ("outcome", "archived_not_queued")) == 1);
        Assert.True(Count(exported, MetricNames.ElevenLabsRequests, ("endpoint", "/v1/convai/conversations/{id}"), ("status", "200")) >= 2);
        Assert.True(Count(exported, MetricNames.Duplicates, ("verdict", "real_plus_blank"), ("agent_id", AgentId), ("alerted", true)) == 1);
        Assert.True(Count(exported, MetricNames.AlertsPosts, ("kind", "duplicate"), ("channel", "teams"), ("outcome", "sent")) == 1);
        Assert.True(Count(exported, MetricNames.AlertsTimeToAlert, ("kind", "duplicate")) == 1);
        // The real conversation ended (done) 142 s after the call's start; the blank one, still "initiated", settled the
        // settle delay (2 min) after its own start, 1 s earlier: the later settling counts, and the sweep ran at 600 s.
        Assert.Equal(600 - 142, Sum(exported, MetricNames.AlertsTimeToAlert));
        Assert.True(Count(exported, MetricNames.SweepCompleted, ("outcome", "ok")) == 1);
        Assert.True(Count(exported, MetricNames.EnrichmentFailures, ("error_type", "JsonException"), ("final", true)) == 1);
        Assert.True(Count(exported, MetricNames.InitiationAnswered, ("source", "upstream")) == 1);
        Assert.True(Count(exported, MetricNames.InitiationUpstream, ("outcome", "answered")) == 1);
        Assert.True(Count(exported, MetricNames.InitiationRejected, ("reason", "secret_wrong")) == 1);
        Assert.True(Count(exported, MetricNames.InitiationRecordFailures) == 1);
        Assert.Equal(1, Max(exported, MetricNames.WebhooksPoisonDepth));
    }

    private ServiceProvider Services(string connectionString, TimeProvider time, List<MetricSnapshot> exported, bool upstream)
    {
        var settings = EnrichmentStorage.Settings(_api.BaseAddress);
        settings[SettingNames.AlertsTeamsWebhookUrl] = new Uri(_teams.BaseAddress, "workflows/invoke").ToString();
        settings[SettingNames.DetectionWebhookHealthEnabled] = "false";
        settings[SettingNames.DetectionDiscoveryEnabled] = "false";
        settings[SettingNames.ElevenLabsInitiationSecret] = InitiationSecret;
        if (upstream) settings[SettingNames.InitiationUpstreamUrl] = new Uri(_upstream.BaseAddress, "personalize").ToString();
        var provider = TestServices.Create(connectionString, time, settings, services =>
        {
            // Delta: each flush exports what was recorded since the last, so the exported points add up to the run.
            services.AddConvoTelemetry().WithMetrics(metrics => metrics.AddInMemoryExporter(exported,
                reader => reader.TemporalityPreference = MetricReaderTemporalityPreference.Delta));
            // Meters are process-wide by name: keep only this provider's, as other tests record on meters of their own.
            services.ConfigureOpenTelemetryMeterProvider((sp, metrics) =>
            {
                var factory = sp.GetRequiredService<IMeterFactory>();
                metrics.AddView(instrument => instrument.Meter.Scope == factory || instrument.Meter.Name != MetricNames.Meter ? null : MetricStreamConfiguration.Drop);
            });
        });
        // The host starts the meter provider at start-up; without it nothing listens yet.
        provider.GetRequiredService<MeterProvider>();
        return provider;
    }

    private static async Task CallStartsAsync(IServiceProvider services, string secret)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"caller_id":"+447700900123","agent_id":"{{AgentId}}","called_number":"+442071838750","call_sid":"{{CallSid}}"}""");
        await services.GetRequiredService<InitiationResponder>().HandleAsync(new MemoryStream(body), secret, CancellationToken.None);
    }

    private static byte[] UnknownTypeWebhook() =>
        Encoding.UTF8.GetBytes("""{"type":"post_call_summary","event_timestamp":1763996560,"data":{"agent_id":"agent_01jx7sample0000000000000"}}""");

    private static void Flush(IServiceProvider services) => Assert.True(services.GetRequiredService<MeterProvider>().ForceFlush());

    private string ConnectionWithClosedTablePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        var port = ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        var tablePort = azurite.Process.Ports.Table;
        return azurite.ConnectionString.Replace($"TableEndpoint=http://127.0.0.1:{tablePort}/", $"TableEndpoint=http://127.0.0.1:{port}/", StringComparison.Ordinal);
    }

    private static bool HasTag(MetricPoint point, string key, object value)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key) return Equals(tag.Value, value);
        }
        return false;
    }

    /// <summary>A counter's total or a histogram's count over the exported points with these tags.</summary>
    private static long Count(List<MetricSnapshot> exported, string name, params (string Key, object Value)[] tags)
    {
        var kind = MetricNames.Get(name).Kind;
        return Exported(exported, name)
            .Where(point => tags.All(tag => HasTag(point, tag.Key, tag.Value)))
            .Sum(point => kind == InstrumentKind.Counter ? point.GetSumLong() : point.GetHistogramCount());
    }

    private static double Sum(List<MetricSnapshot> exported, string name) =>
        Exported(exported, name).Sum(point => point.GetHistogramSum());

    private static double Max(List<MetricSnapshot> exported, string name) =>
        Exported(exported, name).Select(point => point.TryGetHistogramMinMaxValues(out _, out var max) ? max : double.NaN).Max();

    private static IEnumerable<MetricPoint> Exported(List<MetricSnapshot> exported, string name) =>
        exported.Where(m => m.MeterName == MetricNames.Meter && m.Name == name).SelectMany(m => m.MetricPoints);
}

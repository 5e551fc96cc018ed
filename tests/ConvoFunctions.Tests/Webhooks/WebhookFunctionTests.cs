using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using ConvoFunctions.App.Webhooks;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.Webhooks;

/// <summary>The HTTP function end to end: real HttpRequest, real Azurite blobs and queues.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebhookFunctionTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1763996555);
    private readonly ManualTimeProvider _time = new(Now);

    public async Task InitializeAsync()
    {
        await azurite.Storage.Queue(StorageNames.WebhookEventsQueue).ClearMessagesAsync();
        var container = azurite.Storage.Container(StorageNames.WebhookContainer);
        await foreach (var blob in container.GetBlobsAsync()) await container.DeleteBlobAsync(blob.Name);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(Fixtures.Transcription, "post_call_transcription", "conv_sample_real_01")]
    [InlineData(Fixtures.Audio, "post_call_audio", "conv_sample_real_01")]
    [InlineData(Fixtures.InitiationFailure, "call_initiation_failure", "conv_sample_failed_03")]
    public async Task Signed_sample_webhook_is_archived_and_queued_once(string fixture, string type, string conversationId)
    {
        var body = Fixtures.Bytes(fixture);

        var (status, json) = await PostAsync(body, Sign(body));

        Assert.Equal(200, status);
        Assert.Equal("queued", json.GetProperty("status").GetString());
        var blob = Assert.Single(await BlobNamesAsync());
        Assert.Equal(body, (await azurite.Storage.Container(StorageNames.WebhookContainer).GetBlobClient(blob).DownloadContentAsync()).Value.Content.ToArray());

        // The queue trigger decodes base64 (host.json messageEncoding), so the wire text must be base64 of the JSON.
        var raw = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, StorageNames.WebhookEventsQueue);
        var message = Assert.Single((await raw.PeekMessagesAsync(32)).Value);
        Assert.True(message.MessageText.Length < 8 * 1024);
        var decoded = WebhookEventMessage.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(message.MessageText)));
        Assert.Equal(type, decoded.Type);
        Assert.Equal(conversationId, decoded.ConversationId);
        Assert.Equal("agent_01jx7sample0000000000000", decoded.AgentId);
        Assert.Equal(blob, decoded.Blob);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)), decoded.BodySha256);
        Assert.Equal(Now, decoded.ReceivedAt);
        Assert.StartsWith("2025/11/24/" + type + "/" + conversationId + "/", blob);
    }

    [Fact]
    public async Task The_heartbeat_is_written_when_a_webhook_arrives_not_when_it_is_enriched()
    {
        var alerts = azurite.Storage.Table(StorageNames.AlertsTable);
        await alerts.CreateIfNotExistsAsync();
        await alerts.DeleteEntityAsync(TableWebhookHeartbeat.Partition, TableWebhookHeartbeat.RowKey);
        var body = Fixtures.Bytes(Fixtures.Transcription);

        // No API key, no enrichment run at all: only the arrival.
        await using var services = TestServices.Create(azurite.ConnectionString, _time);
        var context = Request(body, Sign(body));
        Assert.Equal(200, ((ContentResult)await Function(services).Run(context.Request, CancellationToken.None)).StatusCode);

        // Written off the request path: await it rather than assume it finished with the answer.
        var heartbeat = services.GetRequiredService<IWebhookHeartbeat>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await heartbeat.LastReceivedAsync(timeout.Token) != Now) await Task.Delay(20, timeout.Token);
    }

    public static TheoryData<string, string?, string> Forgeries() => new()
    {
        { "tampered body", null, "signature" },
        { "wrong secret", "t=1763996550,v0=" + new string('0', 64), "signature" },
        { "stale timestamp", "stale", "timestamp" },
        { "future timestamp", "future", "timestamp" },
        { "missing header", "", "header_missing" },
        { "garbled header", "sha256=deadbeef", "header_malformed" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Forged_webhook_is_401_names_the_check_and_stores_nothing(string name, string? header, string check)
    {
        var body = Fixtures.Bytes(Fixtures.Transcription);
        var sent = body;
        header = header switch
        {
            null => Sign(body),
            "stale" => WebhookSigner.Sign(body, TestServices.Secret, Now.AddMinutes(-31).ToUnixTimeSeconds()),
            "future" => WebhookSigner.Sign(body, TestServices.Secret, Now.AddMinutes(31).ToUnixTimeSeconds()),
            _ => header,
        };
        if (name == "tampered body") sent = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"done\"", "\"failed\""));

        var (status, json) = await PostAsync(sent, header);

        Assert.Equal(401, status);
        Assert.Equal(check, json.GetProperty("check").GetString());
        Assert.DoesNotContain(TestServices.Secret, json.GetRawText());
        Assert.DoesNotContain(WebhookSigner.Sign(sent, TestServices.Secret, 1763996550)[16..], json.GetRawText());
        Assert.Empty(await BlobNamesAsync());
        Assert.Empty(await PeekAsync());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"type\":\"post_call_transcription\"}")]
    [InlineData("{\"data\":{}}")]
    [InlineData("{\"type\":\"post_call_audio\",\"data\":{}} trailing")]
    public async Task Signed_malformed_body_is_400_and_queues_nothing(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);

        var (status, json) = await PostAsync(body, Sign(body));

        Assert.Equal(400, status);
        Assert.Equal("Malformed webhook body", json.GetProperty("title").GetString());
        Assert.Empty(await PeekAsync());
        Assert.Empty(await BlobNamesAsync());
    }

    /// <summary>Signed bodies of odd shapes, and what each must be answered: never a 5xx (ElevenLabs disables a failing webhook).</summary>
    public static TheoryData<string, byte[], int, string?> OddBodies()
    {
        static byte[] U(string text) => Encoding.UTF8.GetBytes(text);
        static byte[] T(string timestamp, string start = "1763996400") => U(
            "{\"type\":\"post_call_transcription\",\"event_timestamp\":" + timestamp
            + ",\"data\":{\"conversation_id\":\"conv_odd\",\"agent_id\":\"agent_1\",\"metadata\":{\"start_time_unix_secs\":" + start + "}}}");
        var invalidUtf8 = U("""{"type":"post_call_transcription","data":{"conversation_id":"conv_X","transcript":[{"message":"hi"}]}}""");
        invalidUtf8[Array.IndexOf(invalidUtf8, (byte)'X')] = 0xC3; // a lead byte with no continuation
        var deep = U("{\"type\":\"post_call_transcription\",\"data\":{\"x\":" + new string('[', 20_000) + new string(']', 20_000) + "}}");
        return new()
        {
            { "event_timestamp in milliseconds", T("1763996550000"), 200, null },
            { "start_time_unix_secs in milliseconds", T("1763996550", "1763996400000"), 200, null },
            { "float event_timestamp", T("1763996550.25"), 200, null },
            { "huge float", T("1e308"), 400, "event_timestamp" },
            { "400-digit number", T(new string('9', 400)), 400, "event_timestamp" },
            { "negative timestamp", T("-5"), 400, "event_timestamp" },
            { "string timestamp", T("\"soon\""), 400, "event_timestamp" },
            { "start time out of range", T("1763996550", "1e300"), 400, "start_time_unix_secs" },
            { "invalid UTF-8 in a string", invalidUtf8, 400, "UTF-8" },
            { "empty", [], 400, null },
            { "null", U("null"), 400, null },
            { "array", U("[]"), 400, null },
            { "BOM", [0xEF, 0xBB, 0xBF, .. U("""{"type":"post_call_audio","data":{}}""")], 400, null },
            { "nesting 20,000 deep", deep, 400, null },
            { "duplicate keys", U("""{"type":"x","type":"post_call_audio","data":{"conversation_id":"a","conversation_id":"conv_dup"}}"""), 200, null },
            { "control characters in an id", U("""{"type":"post_call_audio","data":{"conversation_id":"conv\u0001x"}}"""), 400, "conversation_id" },
            { "over-long id", U("{\"type\":\"post_call_audio\",\"data\":{\"conversation_id\":\"" + new string('c', 300) + "\"}}"), 400, "conversation_id" },
            { "numeric id", U("""{"type":"post_call_audio","data":{"agent_id":42}}"""), 400, "agent_id" },
        };
    }

    [Theory]
    [MemberData(nameof(OddBodies))]
    public async Task Every_signed_body_is_answered_200_or_400_naming_the_field(string shape, byte[] body, int expected, string? field)
    {
        var (status, json) = await PostAsync(body, Sign(body));

        Assert.True(status == expected, $"{shape}: answered {status}, expected {expected}");
        if (field is not null) Assert.Contains(field, json.GetProperty("detail").GetString());
        if (status == 400) Assert.Empty(await BlobNamesAsync());
    }

    [Fact]
    public async Task Unknown_type_is_200_archived_but_not_queued()
    {
        var body = Encoding.UTF8.GetBytes("""{"type":"voice_removal_notice","event_timestamp":1763996550,"data":{"conversation_id":"conv_x"}}""");

        var (status, json) = await PostAsync(body, Sign(body));

        Assert.Equal(200, status);
        Assert.Equal("archived", json.GetProperty("status").GetString());
        Assert.Single(await BlobNamesAsync());
        Assert.Empty(await PeekAsync());
    }

    [Fact]
    public async Task An_unknown_type_whose_data_is_a_conversation_is_queued_to_be_enriched_like_a_transcription()
    {
        var conversation = JsonSerializer.Deserialize<JsonElement>(Samples.RealConversation);
        var body = JsonSerializer.SerializeToUtf8Bytes(new { type = "post_call_transcription_unredacted", event_timestamp = 1763996550, data = conversation });

        var (status, json) = await PostAsync(body, Sign(body));

        Assert.Equal(200, status);
        Assert.Equal("queued", json.GetProperty("status").GetString());
        var message = WebhookEventMessage.Parse(Assert.Single(await PeekAsync()).MessageText);
        Assert.Equal("post_call_transcription_unredacted", message.Type);
        Assert.Equal("conv_sample_real_01", message.ConversationId);
        Assert.True(WebhookEventTypes.CarriesConversation(message.Type)); // read from the body when no API key is set
    }

    [Fact]
    public async Task An_unknown_type_is_counted_warned_once_a_day_and_reported_by_the_health_check()
    {
        var type = "unredacted_audio_" + Guid.NewGuid().ToString("N")[..8];
        var body = Encoding.UTF8.GetBytes($$$"""{"type":"{{{type}}}","event_timestamp":1763996550,"data":{"conversation_id":"conv_x","full_audio":"AAAA"}}""");
        await using var services = TestServices.Create(azurite.ConnectionString, _time);
        var counted = new List<(long Value, string? Type, bool? Enriched)>();
        using var listener = Listen(services, "convo.webhooks.unknown_type", counted);

        for (var i = 0; i < 3; i++)
        {
            var context = Request(body, Sign(body));
            Assert.Equal(200, ((ContentResult)await Function(services).Run(context.Request, CancellationToken.None)).StatusCode);
        }

        Assert.Empty(await PeekAsync());
        Assert.Equal(3, counted.Where(c => c.Type == type && c.Enriched == false).Sum(c => c.Value));
        var unknown = services.GetRequiredService<UnknownWebhookTypes>();
        // Recorded off the request path: await it rather than assume it finished with the answer.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!(await unknown.SeenSinceAsync(Now.AddMinutes(-1), timeout.Token)).Any(t => t.Type == type)) await Task.Delay(20, timeout.Token);
        Assert.Single(services.GetRequiredService<TestLog>().Lines, l => l.Contains($"Webhook type {type} is not one this build knows", StringComparison.Ordinal));

        var problems = await services.GetRequiredService<ConvoFunctions.Sweep.WebhookHealthCheck>().CheckAsync([], CancellationToken.None);
        var problem = Assert.Single(problems, p => p.Subject == type);
        Assert.Equal(ConvoFunctions.Sweep.WebhookHealthCheck.UnknownType, problem.Kind);
    }

    private static System.Diagnostics.Metrics.MeterListener Listen(IServiceProvider services, string name, List<(long, string?, bool?)> into)
    {
        // Only this provider's meter: other tests running in parallel count on meters of their own.
        var factory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == name) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? type = null;
            bool? enriched = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "type") type = tag.Value as string;
                if (tag.Key == "enriched") enriched = tag.Value as bool?;
            }
            lock (into) into.Add((value, type, enriched));
        });
        listener.Start();
        return listener;
    }

    [Fact]
    public async Task Identical_redelivery_writes_the_same_blob()
    {
        var body = Fixtures.Bytes(Fixtures.Transcription);

        var (_, first) = await PostAsync(body, Sign(body));
        _time.Advance(TimeSpan.FromDays(1)); // a retry can arrive on another day
        var (status, second) = await PostAsync(body, WebhookSigner.Sign(body, TestServices.Secret, _time.Now.ToUnixTimeSeconds()));

        Assert.Equal(200, status);
        Assert.Equal(first.GetProperty("blob").GetString(), second.GetProperty("blob").GetString());
        Assert.Single(await BlobNamesAsync());
    }

    [Fact]
    public async Task Body_over_the_limit_is_413_whether_declared_or_streamed()
    {
        var settings = new Dictionary<string, string?> { ["Webhooks:MaxBodyBytes"] = "2048" };
        var body = Encoding.UTF8.GetBytes("{\"type\":\"post_call_audio\",\"data\":{\"full_audio\":\"" + new string('A', 4096) + "\"}}");

        var (declared, _, declaredContext) = await PostWithContextAsync(body, Sign(body), settings);
        var (streamed, json) = await PostAsync(body, Sign(body), settings, declareLength: false);

        Assert.Equal(413, declared);
        // Read to the end, so that the sender receives the 413 rather than a connection closed mid-upload.
        Assert.Equal(body.Length, declaredContext.Request.Body.Position);
        Assert.Equal(413, streamed);
        Assert.Contains("2048", json.GetProperty("detail").GetString());
        Assert.Empty(await BlobNamesAsync());
    }

    [Fact]
    public async Task Audio_webhook_of_25_MB_is_accepted_and_archived_whole()
    {
        var body = LargeAudioWebhook(25 * 1024 * 1024);

        var (status, json) = await PostAsync(body, Sign(body));

        Assert.Equal(200, status);
        var properties = await azurite.Storage.Container(StorageNames.WebhookContainer)
            .GetBlobClient(json.GetProperty("blob").GetString()).GetPropertiesAsync();
        Assert.Equal(body.Length, properties.Value.ContentLength);
        Assert.Single(await PeekAsync());
    }

    [Fact]
    public async Task Storage_down_is_503_with_retry_after()
    {
        var deadPort = FreePort();
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};" +
                         $"BlobEndpoint=http://127.0.0.1:{deadPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{deadPort}/devstoreaccount1;";
        var body = Fixtures.Bytes(Fixtures.Transcription);
        await using var services = TestServices.Create(connection, _time);
        var context = Request(body, Sign(body));

        var result = (ContentResult)await Function(services).Run(context.Request, CancellationToken.None);

        Assert.Equal(503, result.StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
        Assert.Contains(services.GetRequiredService<TestLog>().Lines, line => line.Contains("Storage unavailable for webhook post_call_transcription"));
    }

    internal static byte[] LargeAudioWebhook(int size)
    {
        var prefix = Encoding.UTF8.GetBytes("{\"type\":\"post_call_audio\",\"event_timestamp\":1763996551,\"data\":{\"agent_id\":\"agent_01jx7sample0000000000000\",\"conversation_id\":\"conv_large_audio\",\"full_audio\":\"");
        var suffix = Encoding.UTF8.GetBytes("\"}}");
        var body = new byte[size];
        prefix.CopyTo(body, 0);
        body.AsSpan(prefix.Length, size - prefix.Length - suffix.Length).Fill((byte)'A');
        suffix.CopyTo(body, size - suffix.Length);
        return body;
    }

    private string Sign(byte[] body) => WebhookSigner.Sign(body, TestServices.Secret, _time.Now.ToUnixTimeSeconds() - 5);

    private async Task<(int Status, JsonElement Json)> PostAsync(
        byte[] body, string? header, IDictionary<string, string?>? settings = null, bool declareLength = true)
    {
        var (status, json, _) = await PostWithContextAsync(body, header, settings, declareLength);
        return (status, json);
    }

    private async Task<(int Status, JsonElement Json, HttpContext Context)> PostWithContextAsync(
        byte[] body, string? header, IDictionary<string, string?>? settings = null, bool declareLength = true)
    {
        await using var services = TestServices.Create(azurite.ConnectionString, _time, settings);
        var context = Request(body, header, declareLength);
        var result = (ContentResult)await Function(services).Run(context.Request, CancellationToken.None);
        return (result.StatusCode!.Value, JsonDocument.Parse(result.Content!).RootElement.Clone(), context);
    }

    private static ElevenLabsWebhookFunction Function(IServiceProvider services) =>
        ActivatorUtilities.CreateInstance<ElevenLabsWebhookFunction>(services);

    private static DefaultHttpContext Request(byte[] body, string? header, bool declareLength = true)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(body, writable: false);
        if (declareLength) context.Request.ContentLength = body.Length;
        if (header is not null) context.Request.Headers[SignatureHeader.Name] = header;
        return context;
    }

    private async Task<List<string>> BlobNamesAsync()
    {
        var names = new List<string>();
        await foreach (var blob in azurite.Storage.Container(StorageNames.WebhookContainer).GetBlobsAsync()) names.Add(blob.Name);
        return names;
    }

    private async Task<PeekedMessage[]> PeekAsync() =>
        (await azurite.Storage.Queue(StorageNames.WebhookEventsQueue).PeekMessagesAsync(32)).Value;

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

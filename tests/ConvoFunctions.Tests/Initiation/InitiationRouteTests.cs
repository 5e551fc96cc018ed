using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using ConvoFunctions.App.Initiation;
using ConvoFunctions.Configuration;
using ConvoFunctions.Initiation;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Tests.Initiation;

/// <summary>The call-start route end to end: the function class, real Azurite tables, a loopback upstream.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InitiationRouteTests(AzuriteFixture azurite)
{
    private const string Secret = "isec_test_3b1f9c0e7d2a4f6b8c5e1a0d9f7b3c2e";
    private const string Caller = "+447700900123";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1763996555);

    private readonly ManualTimeProvider _time = new(Now);
    private readonly TestLog _log = new();

    [Fact]
    public async Task Valid_request_is_answered_with_the_default_variables_and_recorded_under_its_call_key()
    {
        var sid = NewCallSid();
        await using var services = Services(new() { [SettingNames.InitiationDefaultDynamicVariables] = """{"customer_name":"there","vip":false}""" });

        var (status, json) = await PostAsync(services, Body(sid), Secret);

        Assert.Equal(200, status);
        var answer = JsonDocument.Parse(json).RootElement;
        Assert.Equal("conversation_initiation_client_data", answer.GetProperty("type").GetString());
        Assert.Equal("there", answer.GetProperty("dynamic_variables").GetProperty("customer_name").GetString());
        Assert.False(answer.GetProperty("dynamic_variables").GetProperty("vip").GetBoolean());

        var row = Assert.Single(await RowsAsync(services, sid));
        Assert.Equal(Now, row.ReceivedAt);
        Assert.Equal("agent_01jx7sample0000000000000", row.AgentId);
        Assert.Equal(Caller, row.CallerId);
        Assert.Equal("+442071838750", row.CalledNumber);
        Assert.Equal(sid, row.CallSid);

        // The caller is stored for correlation, but logs show it masked.
        var line = Assert.Single(_log.Lines, l => l.Contains(sid, StringComparison.Ordinal));
        Assert.Contains("+44******0123", line);
        Assert.DoesNotContain(Caller, string.Join("\n", _log.Lines));
    }

    [Fact]
    public async Task Two_requests_for_one_call_are_two_rows_in_time_order()
    {
        var sid = NewCallSid();
        await using var services = Services();

        await PostAsync(services, Body(sid), Secret);
        _time.Advance(TimeSpan.FromMilliseconds(1200));
        await PostAsync(services, Body(sid), Secret);

        var rows = await RowsAsync(services, sid);
        Assert.Equal([Now, Now.AddMilliseconds(1200)], rows.Select(r => r.ReceivedAt));
        Assert.NotEqual(rows[0].RequestId, rows[1].RequestId);
    }

    [Fact]
    public async Task A_sip_trunk_call_is_keyed_by_its_call_sid_as_conversations_are_and_by_call_id_without_one()
    {
        var callSid = Guid.NewGuid().ToString("N");
        var callId = Guid.NewGuid().ToString("N") + "@sip.example.net";
        var onlyCallId = Guid.NewGuid().ToString("N") + "@sip.example.net";
        await using var services = Services();

        var (status, _) = await PostAsync(services, $$$"""{"caller_id":"{{{Caller}}}","agent_id":"a","called_number":"+442071838750","call_sid":"{{{callSid}}}","call_id":"{{{callId}}}","extra":{"x":1}}""", Secret);
        var (statusWithoutSid, _) = await PostAsync(services, $$$"""{"caller_id":"{{{Caller}}}","agent_id":"a","called_number":"+442071838750","call_id":"{{{onlyCallId}}}"}""", Secret);

        Assert.Equal(200, status);
        Assert.Equal(200, statusWithoutSid);
        // call_sid is the primary key of every phone call (CallKey), so a call's start rows meet its conversations.
        Assert.Single(await RowsAsync(services, callSid));
        Assert.Empty(await RowsAsync(services, callId));
        Assert.Single(await RowsAsync(services, onlyCallId));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("isec_wrong")]
    [InlineData(Secret + " ")]
    public async Task Missing_or_wrong_secret_is_401_problem_and_nothing_is_stored(string? secret)
    {
        var sid = NewCallSid();
        await using var services = Services();

        var (status, json) = await PostAsync(services, Body(sid), secret, expectedContentType: "application/problem+json");

        Assert.Equal(401, status);
        Assert.Equal(401, JsonDocument.Parse(json).RootElement.GetProperty("status").GetInt32());
        Assert.DoesNotContain(Secret, json);
        Assert.Empty(await RowsAsync(services, sid));
    }

    [Fact]
    public async Task The_previous_secret_is_accepted_while_rotating()
    {
        var sid = NewCallSid();
        await using var services = Services(new()
        {
            [SettingNames.ElevenLabsInitiationSecret] = "isec_new_secret_after_rotation",
            [SettingNames.ElevenLabsPreviousInitiationSecret] = Secret,
        });

        var (status, _) = await PostAsync(services, Body(sid), Secret);

        Assert.Equal(200, status);
        Assert.Single(await RowsAsync(services, sid));
    }

    [Theory]
    [InlineData("")]
    [InlineData("@Microsoft.KeyVault(VaultName=kv-convo;SecretName=elevenlabs-initiation-secret)")]
    public async Task Without_a_usable_secret_the_route_answers_404_and_the_webhook_route_still_starts(string configured)
    {
        var sid = NewCallSid();
        await using var services = Services(new() { [SettingNames.ElevenLabsInitiationSecret] = configured });

        var (status, _) = await PostAsync(services, Body(sid), configured, expectedContentType: "application/problem+json");

        Assert.Equal(404, status);
        Assert.Empty(await RowsAsync(services, sid));
        Assert.NotNull(services.GetRequiredService<ConvoFunctions.Webhooks.WebhookIngestor>());
        if (configured.Length > 0) Assert.Single(_log.Lines, l => l.Contains(SettingNames.ElevenLabsInitiationSecret, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""["CA0"]""")]
    [InlineData("""{"caller_id":"+447700900123","agent_id":"a"}""")]
    [InlineData("""{"call_sid":{"nested":true}}""")]
    public async Task Malformed_body_is_400(string body)
    {
        await using var services = Services();

        var (status, json) = await PostAsync(services, body, Secret, expectedContentType: "application/problem+json");

        Assert.Equal(400, status);
        Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(json).RootElement.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Proxy_mode_forwards_the_body_with_the_configured_headers_and_returns_the_upstream_answer_as_it_is()
    {
        const string upstreamAnswer = """{"type":"conversation_initiation_client_data","dynamic_variables":{"customer_name":"Ada"},"conversation_config_override":{"agent":{"first_message":"Hi Ada"}}}""";
        await using var upstream = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(upstreamAnswer);
        });
        var sid = NewCallSid();
        await using var services = Services(new()
        {
            [SettingNames.InitiationUpstreamUrl] = new Uri(upstream.BaseAddress, "personalize").ToString(),
            [SettingNames.InitiationUpstreamHeaders] = """{"Authorization":"Bearer upstream-token","X-Team":"support"}""",
        });
        var body = Body(sid);

        var (status, json) = await PostAsync(services, body, Secret);

        Assert.Equal(200, status);
        Assert.Equal(upstreamAnswer, json);
        var forwarded = Assert.Single(upstream.Requests);
        Assert.Equal("POST", forwarded.Method);
        Assert.Equal("/personalize", forwarded.PathAndQuery);
        Assert.Equal(body, forwarded.Body);
        Assert.Equal("Bearer upstream-token", forwarded.Headers["Authorization"]);
        Assert.Equal("support", forwarded.Headers["X-Team"]);
        Assert.False(forwarded.Headers.ContainsKey(InitiationSettings.SecretHeader));
        Assert.Single(await RowsAsync(services, sid));
    }

    [Theory]
    [InlineData("stall")]
    [InlineData("500")]
    [InlineData("not json")]
    public async Task Proxy_mode_falls_back_to_the_defaults_within_the_timeout_when_the_upstream_fails(string failure)
    {
        var timeout = TimeSpan.FromMilliseconds(800);
        await using var upstream = await LoopbackServer.StartAsync(async (context, _) =>
        {
            switch (failure)
            {
                case "stall":
                    try { await Task.Delay(Timeout.Infinite, context.RequestAborted); } catch (OperationCanceledException) { }
                    break;
                case "500":
                    context.Response.StatusCode = 500;
                    break;
                default:
                    await context.Response.WriteAsync("<html>maintenance</html>");
                    break;
            }
        });
        var sid = NewCallSid();
        await using var services = Services(new()
        {
            [SettingNames.InitiationUpstreamUrl] = upstream.BaseAddress.ToString(),
            [SettingNames.InitiationUpstreamTimeout] = timeout.ToString(),
            [SettingNames.InitiationDefaultDynamicVariables] = """{"customer_name":"there"}""",
        });

        var clock = Stopwatch.StartNew();
        var (status, json) = await PostAsync(services, Body(sid), Secret);
        clock.Stop();

        Assert.Equal(200, status);
        Assert.Equal("there", JsonDocument.Parse(json).RootElement.GetProperty("dynamic_variables").GetProperty("customer_name").GetString());
        // Bounded by the budget (a stalled upstream without one would hold the call until ElevenLabs gives up).
        Assert.True(clock.Elapsed < timeout + TimeSpan.FromSeconds(2), $"answered after {clock.Elapsed}");
        Assert.Single(await RowsAsync(services, sid));
        Assert.Single(_log.Lines, l => l.Contains("upstream failed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("refused")]
    [InlineData("stall")]
    public async Task With_storage_down_the_request_is_still_answered_within_the_budget_logged_and_counted(string outage)
    {
        var timeout = TimeSpan.FromMilliseconds(800);
        await using var stalled = await LoopbackServer.StartAsync(async (context, _) =>
        {
            try { await Task.Delay(Timeout.Infinite, context.RequestAborted); } catch (OperationCanceledException) { }
        });
        var port = outage == "stall" ? stalled.BaseAddress.Port : ClosedPort();
        var tablePort = azurite.Process.Ports.Table;
        var connection = azurite.ConnectionString.Replace(
            $"TableEndpoint=http://127.0.0.1:{tablePort}/", $"TableEndpoint=http://127.0.0.1:{port}/", StringComparison.Ordinal);
        Assert.NotEqual(azurite.ConnectionString, connection);
        var sid = NewCallSid();
        await using var services = Services(new() { [SettingNames.InitiationUpstreamTimeout] = timeout.ToString() }, connection);
        var failures = 0L;
        using var listener = CountRecordFailures(services, () => Interlocked.Increment(ref failures));

        var clock = Stopwatch.StartNew();
        var (status, json) = await PostAsync(services, Body(sid), Secret);
        clock.Stop();

        Assert.Equal(200, status);
        Assert.Equal("conversation_initiation_client_data", JsonDocument.Parse(json).RootElement.GetProperty("type").GetString());
        Assert.True(clock.Elapsed < timeout + TimeSpan.FromSeconds(2), $"answered after {clock.Elapsed}");
        Assert.Equal(1, Interlocked.Read(ref failures));
        var error = Assert.Single(_log.Lines, l => l.StartsWith("Error:", StringComparison.Ordinal) && l.Contains(sid, StringComparison.Ordinal));
        Assert.Contains("NOT recorded", error);
        Assert.DoesNotContain(Caller, error);
    }

    [Theory]
    [InlineData(SettingNames.InitiationUpstreamUrl, "not a url")]
    [InlineData(SettingNames.InitiationUpstreamHeaders, "Authorization: Bearer leaked-token")]
    [InlineData(SettingNames.InitiationDefaultDynamicVariables, "[1,2]")]
    [InlineData(SettingNames.InitiationUpstreamTimeout, "00:05:00")]
    [InlineData(SettingNames.InitiationUpstreamTimeout, "two seconds")]
    public async Task A_misconfigured_part_turns_itself_off_with_one_log_line_and_the_call_is_still_answered(string setting, string value)
    {
        var settings = new Dictionary<string, string?> { [setting] = value };
        // Headers matter only in proxy mode; the upstream would answer if it were used.
        await using var upstream = await LoopbackServer.StartAsync((context, _) => context.Response.WriteAsync("""{"type":"x","dynamic_variables":{"from":"upstream"}}"""));
        if (setting == SettingNames.InitiationUpstreamHeaders) settings[SettingNames.InitiationUpstreamUrl] = upstream.BaseAddress.ToString();
        var sid = NewCallSid();
        await using var services = Services(settings);

        var (status, json) = await PostAsync(services, Body(sid), Secret);

        Assert.Equal(200, status);
        Assert.Equal("conversation_initiation_client_data", JsonDocument.Parse(json).RootElement.GetProperty("type").GetString());
        Assert.Empty(upstream.Requests);
        var line = Assert.Single(_log.Lines, l => l.Contains(setting, StringComparison.Ordinal));
        Assert.StartsWith("Error:", line);
        Assert.DoesNotContain("leaked-token", line);
        Assert.Single(await RowsAsync(services, sid));
    }

    [Fact]
    public async Task Start_up_says_which_mode_the_route_runs_in_without_the_upstream_key()
    {
        await using var services = Services(new() { [SettingNames.InitiationUpstreamUrl] = "https://personalize.example.com/api/init?code=fn-key-123" });

        foreach (var hosted in services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<InitiationStartupCheck>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        var line = Assert.Single(_log.Lines, l => l.Contains("Initiation route:", StringComparison.Ordinal));
        Assert.Contains("proxy mode to personalize.example.com", line);
        Assert.DoesNotContain("fn-key-123", string.Join("\n", _log.Lines));
    }

    internal static string NewCallSid() => "CA" + Guid.NewGuid().ToString("N");

    internal static string Body(string sid) =>
        $$"""{"caller_id":"{{Caller}}","agent_id":"agent_01jx7sample0000000000000","called_number":"+442071838750","call_sid":"{{sid}}"}""";

    private ServiceProvider Services(Dictionary<string, string?>? settings = null, string? connection = null)
    {
        var values = new Dictionary<string, string?> { [SettingNames.ElevenLabsInitiationSecret] = Secret };
        foreach (var (key, value) in settings ?? []) values[key] = value;
        return TestServices.Create(connection ?? azurite.ConnectionString, _time, values,
            services => services.AddLogging(logging => logging.ClearProviders().AddProvider(_log)));
    }

    private static async Task<(int Status, string Json)> PostAsync(
        IServiceProvider services, string body, string? secret, string expectedContentType = "application/json")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        if (secret is not null) context.Request.Headers[InitiationSettings.SecretHeader] = secret;

        var result = (ContentResult)await ActivatorUtilities.CreateInstance<ElevenLabsInitiationFunction>(services)
            .Run(context.Request, CancellationToken.None);

        Assert.Equal(expectedContentType, result.ContentType);
        return (result.StatusCode!.Value, result.Content!);
    }

    private static Task<IReadOnlyList<InitiationRecord>> RowsAsync(IServiceProvider services, string callKey) =>
        services.GetRequiredService<InitiationStore>().ForCallAsync(callKey, CancellationToken.None);

    private static MeterListener CountRecordFailures(IServiceProvider services, Action increment)
    {
        // Only this provider's meter: other tests running in parallel count on meters of their own.
        var factory = services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "convo.initiation.record_failures") l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => { for (var i = 0; i < value; i++) increment(); });
        listener.Start();
        return listener;
    }

    private static int ClosedPort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        var port = ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }
}

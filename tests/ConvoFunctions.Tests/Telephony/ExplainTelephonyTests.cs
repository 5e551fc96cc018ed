using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Tests.Cli;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Telephony;

/// <summary>
/// <c>convo explain</c> with the telephony side: Twilio's call, legs, requests (Events), notifications and number, and
/// ElevenLabs' SIP log, all served by the one loopback stand-in in the shapes of the public specs. Each test has its own
/// call, started an hour ago (Twilio's Events are readable 15 minutes after a call and kept 30 days).
/// </summary>
public sealed class ExplainTelephonyTests : IAsyncLifetime
{
    private const string Primary = "https://api.us.elevenlabs.io/twilio/inbound_call";
    private const string Fallback = "https://api.elevenlabs.io/twilio/inbound_call";
    private const string Called = "+442079460000";
    private const string Caller = "+447700900123";
    private readonly string _sid = "CA" + Guid.NewGuid().ToString("N");
    private readonly DateTimeOffset _start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
    private ElevenLabsStandIn _api = null!;
    private string _settings = null!;

    private TwilioStandIn Twilio => _api.Twilio;

    public async Task InitializeAsync()
    {
        _api = await ElevenLabsStandIn.StartAsync(Samples.ApiKey);
        _settings = Path.Combine(Path.GetTempPath(), $"convo-explain-twilio-{Guid.NewGuid():N}.json");
        WriteSettings(twilio: true);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        File.Delete(_settings);
    }

    private void WriteSettings(bool twilio, string? secret = null)
    {
        var values = new JsonObject { ["ElevenLabs__ApiKey"] = Samples.ApiKey };
        if (twilio)
        {
            values["Twilio__AccountSid"] = Twilio.AccountSid;
            values["Twilio__ApiKeySid"] = Twilio.ApiKeySid;
            values["Twilio__ApiKeySecret"] = secret ?? Twilio.ApiKeySecret;
            values["Twilio__BaseUrl"] = _api.BaseAddress.ToString();
        }
        File.WriteAllText(_settings, new JsonObject { ["Values"] = values }.ToJsonString());
    }

    /// <summary>A real and a blank conversation of one Twilio call, as ElevenLabs' native Twilio integration records them.</summary>
    private void AddConversations(string? provider = null, string? sipCallId = null)
    {
        foreach (var (json, id, offset) in new[] { (Samples.RealJson(), "conv_real", 1), (Samples.BlankJson(), "conv_blank", 15) })
        {
            var conversation = Samples.Variant(json, id, _start.ToUnixTimeSeconds() + offset, _sid);
            if (provider is not null)
            {
                conversation["metadata"]!["phone_call"]!["type"] = provider;
                conversation["metadata"]!["phone_call"]!["call_id"] = sipCallId;
            }
            _api.Add(conversation);
        }
    }

    private void AddTwilioCall(TimeSpan? lasted = null)
    {
        Twilio.AddCall(Twilio.Call(_sid, "inbound", Caller, Called, _start, _start + (lasted ?? TimeSpan.FromSeconds(150))));
        Twilio.AddNumber(Twilio.Number(Called, Primary, Fallback, "https://hooks.example.com/status?token=abc", _start.AddDays(-3)));
    }

    /// <summary>The primary voice URL times out (11205) and Twilio requests the fallback, which reaches ElevenLabs too.</summary>
    private void AddFallbackEvents()
    {
        Twilio.AddEvents(_sid,
            Twilio.Request(_start.AddSeconds(1), Primary, responseCode: null, durationMs: 15000),
            Twilio.Request(_start.AddSeconds(16), Fallback, responseCode: 200, durationMs: 310, errorCode: "11205", errorUrl: Primary),
            Twilio.Request(_start.AddSeconds(150), "https://hooks.example.com/status?token=abc", 200, 40, callStatus: "completed"));
        Twilio.AddNotification(_sid, "11205", _start.AddSeconds(16), Primary);
    }

    private async Task<(int Code, string Stdout, string Stderr)> ExplainAsync(string format = "text")
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = await ExplainCommand.RunAsync(["conv_real"], format, _api.BaseAddress, _settings, null, stdout, stderr, TimeProvider.System, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private int TwilioRequests => _api.Count(TwilioStandIn.PathPrefix);

    [Fact]
    public async Task The_primary_url_failing_with_11205_then_the_fallback_request_is_named_as_the_cause()
    {
        AddConversations();
        AddTwilioCall();
        AddFallbackEvents();

        var (code, stdout, stderr) = await ExplainAsync();

        Assert.Equal(3, code);
        var cause = stdout.Split('\n').First(line => line.StartsWith("Likely cause", StringComparison.Ordinal));
        Assert.Equal($"Likely cause: Twilio's request to the voice URL {Primary} failed (error 11205, after 15000 ms) and Twilio then requested the " +
            $"fallback URL {Fallback}; both reach ElevenLabs, so each request opened a conversation.", cause.TrimEnd());
        Assert.Contains("Telephony evidence:", stdout);
        Assert.Contains($"(fallback after error 11205 on {Primary})", stdout);
        Assert.Contains("Twilio notifications: error 11205", stdout);
        // The support report carries the same cause and evidence.
        var report = stdout[stdout.IndexOf("Subject:", StringComparison.Ordinal)..];
        Assert.Contains("Telephony evidence:", report);
        Assert.Contains("error 11205", report);
        Assert.Contains(cause.TrimEnd(), report);
        // Masked and without the status callback's token; the secret nowhere.
        Assert.DoesNotContain(Caller, stdout);
        Assert.DoesNotContain("token=abc", stdout);
        Assert.DoesNotContain(Twilio.ApiKeySecret, stdout + stderr);
        Assert.DoesNotContain("Twilio evidence off", stderr);
        // Basic auth with the API key, on the account's resources.
        Assert.All(_api.Requests.Where(r => r.PathAndQuery.StartsWith(TwilioStandIn.PathPrefix, StringComparison.Ordinal)), r =>
        {
            Assert.StartsWith($"{TwilioStandIn.PathPrefix}/Accounts/{Twilio.AccountSid}/", r.PathAndQuery);
            Assert.StartsWith("Basic ", r.Headers["Authorization"]);
        });
    }

    [Fact]
    public async Task Json_holds_the_twilio_evidence()
    {
        AddConversations();
        AddTwilioCall();
        AddFallbackEvents();

        var (code, stdout, _) = await ExplainAsync("json");

        Assert.Equal(3, code);
        var call = JsonDocument.Parse(stdout).RootElement.GetProperty("calls")[0];
        Assert.Contains("11205", call.GetProperty("likely_cause").GetString());
        var twilio = Assert.Single(call.GetProperty("telephony").GetProperty("twilio").EnumerateArray().ToList());
        Assert.Equal(_sid, twilio.GetProperty("call").GetProperty("sid").GetString());
        Assert.Equal("+44******0123", twilio.GetProperty("call").GetProperty("from").GetString());
        var events = twilio.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(3, events.Count);
        Assert.True(events[1].GetProperty("fallback").GetBoolean());
        Assert.Equal("11205", events[1].GetProperty("error_code").GetString());
        Assert.True(events[2].GetProperty("status_callback").GetBoolean());
        Assert.Equal(Fallback, twilio.GetProperty("number").GetProperty("voice_fallback_url").GetString());
        Assert.Equal("https://hooks.example.com/status", twilio.GetProperty("number").GetProperty("status_callback").GetString());
        Assert.Equal(JsonValueKind.Null, call.GetProperty("telephony").GetProperty("sip").ValueKind);
    }

    [Fact]
    public async Task Without_twilio_settings_it_says_so_once_and_asks_twilio_nothing()
    {
        WriteSettings(twilio: false);
        AddConversations();
        AddTwilioCall();
        AddFallbackEvents();

        var (code, stdout, stderr) = await ExplainAsync();

        Assert.Equal(3, code);
        Assert.Equal(0, TwilioRequests);
        Assert.Single(stderr.Split('\n'), line => line.Contains("Twilio evidence off", StringComparison.Ordinal));
        Assert.Contains("Likely cause: the platform created both conversations", stdout);
        Assert.DoesNotContain("Telephony evidence", stdout);
    }

    [Fact]
    public async Task A_wrong_twilio_secret_leaves_the_rest_of_the_explanation_and_shows_no_secret()
    {
        const string wrong = "not_the_twilio_secret_4242";
        WriteSettings(twilio: true, secret: wrong);
        AddConversations();
        AddTwilioCall();
        AddFallbackEvents();

        var (code, stdout, stderr) = await ExplainAsync();

        Assert.Equal(3, code);
        Assert.Contains($"Twilio call {_sid}: not readable (Twilio API answered 401 Unauthorized (error 20003)", stdout);
        Assert.Contains("Likely cause: the platform created both conversations", stdout);
        Assert.DoesNotContain(wrong, stdout + stderr);
        Assert.Equal(1, TwilioRequests); // 401 is final: no retry
    }

    [Fact]
    public async Task A_twilio_outage_costs_the_twilio_part_only()
    {
        AddConversations();
        AddTwilioCall();
        Twilio.Script(_ => StandInAnswer.Error(500, "outage"));

        var (code, stdout, _) = await ExplainAsync();

        Assert.Equal(3, code);
        Assert.Contains($"Twilio call {_sid}: not readable (Twilio API answered 500", stdout);
        Assert.Contains("Subject: One phone call produced 2 conversations", stdout);
        Assert.Equal(4, TwilioRequests); // the first attempt and three retries
    }

    [Fact]
    public async Task A_429_from_twilio_is_retried()
    {
        AddConversations();
        AddTwilioCall();
        AddFallbackEvents();
        Twilio.Script(n => n == 1 ? new StandInAnswer(429, """{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}""") : null);

        var (code, stdout, _) = await ExplainAsync();

        Assert.Equal(3, code);
        Assert.Contains("error 11205", stdout);
        Assert.DoesNotContain("not readable", stdout);
    }

    [Fact]
    public async Task Before_the_events_are_readable_a_voice_url_error_and_an_elevenlabs_fallback_are_the_likely_cause()
    {
        // The call ended a minute ago: Twilio's Events are not complete before 15 minutes.
        var start = DateTimeOffset.UtcNow.AddMinutes(-3);
        Twilio.AddCall(Twilio.Call(_sid, "inbound", Caller, Called, start, start.AddMinutes(2)));
        Twilio.AddNumber(Twilio.Number(Called, Primary, Fallback, null, start.AddDays(-3)));
        Twilio.AddNotification(_sid, "11205", start.AddSeconds(16), Primary);
        Twilio.AddEvents(_sid, Twilio.Request(start.AddSeconds(1), Primary, null, 15000));
        _api.Add(Samples.Variant(Samples.RealJson(), "conv_real", start.ToUnixTimeSeconds() + 1, _sid));
        _api.Add(Samples.Variant(Samples.BlankJson(), "conv_blank", start.ToUnixTimeSeconds() + 15, _sid));

        var (code, stdout, _) = await ExplainAsync();

        Assert.Equal(3, code);
        Assert.Contains($"Likely cause: Twilio reported error 11205 for the voice URL {Primary} and the number's fallback URL {Fallback} reaches ElevenLabs, " +
            "so the fallback most likely opened the second conversation (the call's request log, readable from", stdout);
        Assert.DoesNotContain(_api.Requests, r => r.PathAndQuery.Contains("/Events.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_invites_for_one_sip_call_mean_the_trunk_retried()
    {
        const string sipCallId = "9f2c1e7a@trunk.example.com";
        AddConversations(provider: "sip_trunking", sipCallId: sipCallId);
        _api.AddSipMessages("conv_real",
            ElevenLabsStandIn.SipMessage(sipCallId, _start.AddSeconds(1)),
            ElevenLabsStandIn.SipMessage(sipCallId, _start.AddSeconds(1.2), method: "SIP/2.0 200 OK", direction: "out"),
            ElevenLabsStandIn.SipMessage(sipCallId, _start.AddSeconds(30), method: "INVITE", toTag: true)); // a re-INVITE: not a new call
        _api.AddSipMessages("conv_blank", ElevenLabsStandIn.SipMessage(sipCallId, _start.AddSeconds(14.5)));
        WriteSettings(twilio: false);

        var (code, stdout, _) = await ExplainAsync();

        Assert.Equal(3, code);
        Assert.Contains("Likely cause: two INVITEs reached ElevenLabs for this one SIP call (Call-ID 9f2c1e7a@trunk.example.com at ", stdout);
        Assert.Contains("so the trunk retried the call and each INVITE opened a conversation.", stdout);
        Assert.Contains("SIP: 2 INVITEs reached ElevenLabs", stdout);
        Assert.DoesNotContain(Caller, stdout);
        Assert.Equal(2, _api.Requests.Count(r => r.PathAndQuery.Contains("/sip-messages", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task One_invite_shared_by_both_conversations_is_shown_and_leaves_the_platform_cause()
    {
        const string sipCallId = "4d1b@trunk.example.com";
        AddConversations(provider: "sip_trunking", sipCallId: sipCallId);
        var invite = ElevenLabsStandIn.SipMessage(sipCallId, _start.AddSeconds(1));
        _api.AddSipMessages("conv_real", invite);
        _api.AddSipMessages("conv_blank", invite);
        WriteSettings(twilio: false);

        var (code, stdout, _) = await ExplainAsync();

        Assert.Equal(3, code);
        Assert.Contains("SIP: 1 INVITE reached ElevenLabs", stdout);
        Assert.Contains($"SIP: conv_real and conv_blank share the INVITE of Call-ID {sipCallId}", stdout);
        Assert.Contains("Likely cause: the platform created both conversations", stdout);
    }

    [Fact]
    public async Task The_secret_appears_nowhere_in_the_convo_process_output()
    {
        AddConversations();
        AddTwilioCall();
        AddFallbackEvents();
        await using var process = ConvoProcess.Start(["explain", "conv_real", "--base-url", _api.BaseAddress.ToString(), "--format", "json", "--verbose"],
            new Dictionary<string, string>
            {
                ["ElevenLabs__ApiKey"] = Samples.ApiKey,
                ["Twilio__AccountSid"] = Twilio.AccountSid,
                ["Twilio__ApiKeySid"] = Twilio.ApiKeySid,
                ["Twilio__ApiKeySecret"] = Twilio.ApiKeySecret,
                ["Twilio__BaseUrl"] = _api.BaseAddress.ToString(),
            });

        var run = await process.WaitAsync();

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("11205", run.Stdout);
        Assert.DoesNotContain(Twilio.ApiKeySecret, run.All);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Twilio.ApiKeySid + ":" + Twilio.ApiKeySecret)), run.All);
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Conversations;
using ConvoFunctions.Correlation;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Initiation;
using ConvoFunctions.Sweep;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Tests.CallStart;

/// <summary>
/// Issue 12, items 4 and 5 end to end: call-start requests through the initiation responder, conversations recorded as
/// enrichment records them, the sweep over real Azurite tables, the demo's loopback ElevenLabs API, and loopback Teams
/// Workflows and ACS servers. Each test has its own call SID, conversation ids and channels.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CallStartDiagnosisTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string ApiKey = "xi_callstart_test_key_0001";
    private const string InitiationSecret = "isec_callstart_7c1e0b9d2f4a6c8e";
    private const string AcsKey = "dGVzdC1hY3Mta2V5LW5vdC1hLXNlY3JldC0wMTIzNDU2Nzg5";

    // The fixtures' call started at this time; the test clock begins a little before it.
    private static readonly DateTimeOffset CallStart = DateTimeOffset.FromUnixTimeSeconds(1763996400);
    private readonly ManualTimeProvider _time = new(CallStart.AddSeconds(-3));
    private readonly string _sid = "CA" + Guid.NewGuid().ToString("N");
    private ElevenLabsStandIn _elevenLabs = null!;
    private LoopbackServer _teams = null!;
    private LoopbackServer _acs = null!;

    public async Task InitializeAsync()
    {
        await Enrichment.EnrichmentStorage.ResetAsync(azurite.Storage);
        _elevenLabs = await ElevenLabsStandIn.StartAsync(ApiKey);
        _teams = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = 202;
            await context.Response.WriteAsync("");
        });
        _acs = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = 202;
            context.Response.Headers["Operation-Location"] = "http://127.0.0.1/emails/operations/1";
            await context.Response.WriteAsync("{\"id\":\"1\",\"status\":\"Running\"}");
        });
    }

    public async Task DisposeAsync()
    {
        await _elevenLabs.DisposeAsync();
        await _teams.DisposeAsync();
        await _acs.DisposeAsync();
    }

    [Fact]
    public async Task Two_initiation_requests_then_a_real_and_a_blank_conversation_give_one_alert_showing_both_requests()
    {
        await using var services = Services();
        var first = await StartCallAsync(services);
        _time.Advance(TimeSpan.FromMilliseconds(1200));
        var second = await StartCallAsync(services);
        await RecordAsync(services, Real(), Blank());

        _time.Advance(TimeSpan.FromMinutes(10));
        var result = await services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);

        var group = Assert.Single(result.Duplicates);
        Assert.Equal([first, second], group.InitiationRequests);
        var requests = $"2 initiation requests at {Time(first)}, {Time(second)} UTC";
        var alert = SentAlert();
        Assert.Contains(requests, alert.Card);
        Assert.Contains(requests, alert.Html);
        Assert.Contains(requests, alert.Text);
        Assert.Contains("Call start:  " + requests, alert.Report);

        // A later sweep sends nothing more.
        _time.Advance(TimeSpan.FromMinutes(5));
        await services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);
        Assert.Single(TeamsPosts);
        Assert.Single(EmailPosts);
    }

    [Fact]
    public async Task A_SIP_trunk_fed_by_Twilio_Elastic_SIP_shows_the_call_start_its_Twilio_CallSid_recorded()
    {
        // The call-start request names only Twilio's CallSid; the conversations say sip_trunking with that same call_sid.
        await using var services = Services();
        var start = await StartCallAsync(services);
        var onTheTrunk = new[] { Real(), Blank() };
        foreach (var conversation in onTheTrunk)
        {
            var phone = conversation["metadata"]!["phone_call"]!.AsObject();
            phone["type"] = "sip_trunking";
            phone.Remove("stream_sid");
            phone["call_id"] = "a84b4c76e66710@pc33.example.com";
            conversation["conversation_initiation_client_data"]!["dynamic_variables"]!.AsObject().Remove("system__call_sid");
        }
        await RecordAsync(services, onTheTrunk);

        _time.Advance(TimeSpan.FromMinutes(10));
        var group = Assert.Single((await SweepAsync(services)).Duplicates);

        Assert.Equal("sip_trunking", group.Any(c => c.Provider));
        Assert.Equal([start], group.InitiationRequests);
        var alert = SentAlert();
        Assert.Contains($"1 initiation request at {Time(start)} UTC", alert.Card);
        Assert.Contains("Call start:  1 initiation request", alert.Report);
    }

    [Fact]
    public async Task A_call_started_twice_is_flagged_before_its_conversations_are_complete()
    {
        var log = new TestLog();
        await using var services = Services(log: log);
        await StartCallAsync(services);
        _time.Advance(TimeSpan.FromMilliseconds(800));
        await StartCallAsync(services);
        // Only the real conversation is known yet: no duplicate to alert on, but the call is flagged.
        await RecordAsync(services, Real());
        _time.Advance(TimeSpan.FromMinutes(1));

        var result = await services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);

        Assert.Empty(result.Duplicates);
        Assert.Contains(log.Lines, l => l.Contains($"Call {_sid} was started more than once: 2 initiation requests", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_NoConversation_enabled_an_anchored_call_without_a_conversation_raises_one_alert()
    {
        await using var services = Services(new() { [SettingNames.DetectionAlertVerdicts] = "RealPlusBlank,NoConversation" });
        var first = await StartCallAsync(services);
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = await StartCallAsync(services);

        // Still within the settle delay: nothing is judged yet.
        var early = await SweepAsync(services);
        Assert.Empty(early.Alerts);
        Assert.DoesNotContain(_elevenLabs.Requests, r => r.Method == "GET" && r.PathAndQuery.StartsWith("/v1/convai/conversations?", StringComparison.Ordinal));

        _time.Advance(TimeSpan.FromMinutes(10));
        var result = await SweepAsync(services);

        // Looked up through the list endpoint (the agent, around the call's start) before it was judged.
        Assert.Contains(_elevenLabs.Requests, r => r.Method == "GET" && r.PathAndQuery.StartsWith("/v1/convai/conversations?", StringComparison.Ordinal)
                                                   && r.PathAndQuery.Contains("agent_01jx7sample0000000000000", StringComparison.Ordinal));
        var outcome = Assert.Single(result.Alerts);
        Assert.Equal(_sid, outcome.Key);
        var alert = SentAlert();
        Assert.Contains("A call started but produced no conversation", alert.Card);
        Assert.Contains("no conversation", alert.Text);
        Assert.Contains($"2 initiation requests at {Time(first)}, {Time(second)} UTC", alert.Report);
        Assert.Contains("+44******0123", alert.Html);
        Assert.DoesNotContain("447700900123", alert.Card + alert.Html + alert.Text);

        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);
        Assert.Single(TeamsPosts);
        Assert.Single(EmailPosts);
    }

    [Theory]
    [InlineData("RealPlusBlank", false)]
    [InlineData("RealPlusBlank,NoConversation", true)]
    public async Task NoConversation_is_off_by_default_and_a_conversation_found_by_the_look_up_is_no_such_call(string verdicts, bool conversationExists)
    {
        await using var services = Services(new() { [SettingNames.DetectionAlertVerdicts] = verdicts });
        await StartCallAsync(services);
        // The conversation never sent a webhook: only the list endpoint knows it.
        if (conversationExists) _elevenLabs.Add(Real());

        _time.Advance(TimeSpan.FromMinutes(10));
        var result = await SweepAsync(services);

        Assert.Empty(result.Alerts);
        Assert.Empty(TeamsPosts);
    }

    private static Task<SweepResult> SweepAsync(ServiceProvider services) =>
        services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);

    public static TheoryData<string, string> Causes => new()
    {
        { "mixed", "the conversations were started from different sources (js_sdk 2.3.0 (signed_url) and twilio (signed_url)), so a session was opened outside the telephony flow" },
        { "twice", "ElevenLabs asked the initiation webhook 2 initiation requests at" },
        { "neither", "the platform created both conversations from one start of the call" },
    };

    [Theory]
    [MemberData(nameof(Causes))]
    public async Task The_likely_cause_is_named_in_the_card_the_email_and_the_support_report(string situation, string sentence)
    {
        await using var services = Services();
        await StartCallAsync(services);
        if (situation == "twice")
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await StartCallAsync(services);
        }
        var real = Real();
        var blank = Blank();
        real["metadata"]!["conversation_initiation_source"] = "twilio";
        blank["metadata"]!["conversation_initiation_source"] = situation == "mixed" ? "js_sdk" : "twilio";
        if (situation == "mixed") blank["metadata"]!["conversation_initiation_source_version"] = "2.3.0";
        await RecordAsync(services, real, blank);

        _time.Advance(TimeSpan.FromMinutes(10));
        await services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);

        var alert = SentAlert();
        foreach (var rendered in new[] { alert.Card, alert.Html, alert.Text, alert.Report })
        {
            Assert.Contains("Likely cause: " + sentence, System.Net.WebUtility.HtmlDecode(rendered));
            foreach (var (other, otherSentence) in Causes.Select(row => ((string)row[0], (string)row[1])))
            {
                if (other != situation) Assert.DoesNotContain(otherSentence, System.Net.WebUtility.HtmlDecode(rendered));
            }
        }
        // Each conversation's origin is shown next to it.
        Assert.Contains(situation == "mixed" ? "source js_sdk 2.3.0 (signed_url)" : "source twilio (signed_url)", alert.Report);
    }

    private ServiceProvider Services(Dictionary<string, string?>? extra = null, TestLog? log = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsApiKey] = ApiKey,
            [SettingNames.ElevenLabsBaseUrl] = _elevenLabs.BaseAddress.ToString(),
            [SettingNames.ElevenLabsInitiationSecret] = InitiationSecret,
            [SettingNames.AlertsTeamsWebhookUrl] = new Uri(_teams.BaseAddress, "workflows/triggers/manual/paths/invoke?sig=callstart-sig").ToString(),
            [SettingNames.AlertsEmailEndpoint] = _acs.BaseAddress.ToString(),
            [SettingNames.AlertsEmailAccessKey] = AcsKey,
            [SettingNames.AlertsEmailSender] = "DoNotReply@alerts.example.com",
            [SettingNames.AlertsEmailRecipients] = "oncall@example.com",
            [SettingNames.DetectionWebhookHealthEnabled] = "false",
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        return TestServices.Create(azurite.ConnectionString, _time, settings, log is null ? null : s => s.AddLogging(logging => logging.ClearProviders().AddProvider(log)));
    }

    /// <summary>ElevenLabs asks the initiation route about this test's call; returns the time it was recorded.</summary>
    private async Task<DateTimeOffset> StartCallAsync(ServiceProvider services)
    {
        var body = new JsonObject
        {
            ["caller_id"] = "+447700900123", ["agent_id"] = "agent_01jx7sample0000000000000",
            ["called_number"] = "+442071838750", ["call_sid"] = _sid,
        };
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(body.ToJsonString()));
        var answer = await services.GetRequiredService<InitiationResponder>().HandleAsync(stream, InitiationSecret, CancellationToken.None);
        Assert.Equal(200, answer.StatusCode);
        // The change notice is batched once a second by the host; here the test writes it at once.
        await services.GetRequiredService<InitiationChanges>().FlushAsync(CancellationToken.None);
        return _time.GetUtcNow();
    }

    private JsonObject Real() => OfThisCall(Fixtures.ConversationReal, "conv_callstart_real_" + _sid[^6..]);

    private JsonObject Blank() => OfThisCall(Fixtures.ConversationBlank, "conv_callstart_blank_" + _sid[^6..]);

    private JsonObject OfThisCall(string fixture, string id)
    {
        var json = JsonNode.Parse(Fixtures.Text(fixture))!.AsObject();
        json["conversation_id"] = id;
        json["metadata"]!["phone_call"]!["call_sid"] = _sid;
        json["conversation_initiation_client_data"]!["dynamic_variables"]!["system__call_sid"] = _sid;
        return json;
    }

    /// <summary>Records conversations as enrichment does, and serves them from the loopback API.</summary>
    private async Task RecordAsync(ServiceProvider services, params JsonObject[] conversations)
    {
        var repository = services.GetRequiredService<CorrelationRepository>();
        foreach (var json in conversations)
        {
            _elevenLabs.Add(json);
            var dto = JsonSerializer.Deserialize<ConversationDto>(json.ToJsonString(), ElevenLabsJson.Options)!;
            await repository.UpsertAsync(
                ConversationFacts.FromConversation(dto, (string)json["conversation_id"]!, FactSources.Api, eventTime: null, CallStart.AddMinutes(5)),
                CancellationToken.None);
        }
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

    private List<RecordedRequest> TeamsPosts => _teams.Requests.Where(r => r.Method == "POST").ToList();

    private List<RecordedRequest> EmailPosts => _acs.Requests.Where(r => r.Method == "POST").ToList();

    /// <summary>The one alert sent: the Teams card's text, the email's HTML and plain text, and the support report on the card.</summary>
    private (string Card, string Html, string Text, string Report) SentAlert()
    {
        var card = JsonNode.Parse(Assert.Single(TeamsPosts).Body)!["attachments"]![0]!["content"]!;
        // The report as the card shows it: a RichTextBlock per line, after the container's heading.
        var report = string.Join("\n", card["body"]!.AsArray().Last()!["items"]!.AsArray().Skip(1)
            .Select(block => block!["inlines"]?[0]?["text"]?.GetValue<string>()).OfType<string>());
        var mail = JsonNode.Parse(Assert.Single(EmailPosts).Body)!["content"]!;
        return (card.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }),
            (string)mail["html"]!, (string)mail["plainText"]!, report);
    }
}

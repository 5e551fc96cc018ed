using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ConvoFunctions.Alerts;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Detection;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ConvoFunctions.Sweep;

namespace ConvoFunctions.Tests.Detection;

/// <summary>The sweep end to end: real Azurite alerts table, loopback ElevenLabs, Teams Workflows and ACS.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DuplicateSweepTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const long RealStart = 1763996400;
    private const string AcsKey = "dGVzdC1hY3Mta2V5LW5vdC1hLXNlY3JldC0wMTIzNDU2Nzg5"; // base64 of a test key
    private readonly ManualTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(RealStart).AddMinutes(10));
    private ElevenLabsStandIn _elevenLabs = null!;
    private LoopbackServer _teams = null!;
    private LoopbackServer _acs = null!;
    private int _teamsFailuresLeft;

    public async Task InitializeAsync()
    {
        await Enrichment.EnrichmentStorage.ResetAsync(azurite.Storage);

        _elevenLabs = await ElevenLabsStandIn.StartAsync(Samples.ApiKey);
        _teams = await LoopbackServer.StartAsync(async (context, _) =>
        {
            if (Interlocked.Decrement(ref _teamsFailuresLeft) >= 0)
            {
                context.Response.StatusCode = 500;
                return;
            }
            context.Response.StatusCode = 202;
            await context.Response.WriteAsync("");
        });
        _acs = await LoopbackServer.StartAsync(async (context, request) =>
        {
            context.Response.StatusCode = VerifyHmac(request) || request.Headers.GetValueOrDefault("Authorization") == "Bearer entra-test-token" ? 202 : 401;
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

    private ServiceProvider Services(Dictionary<string, string?>? extra = null, TimeProvider? time = null, Action<IServiceCollection>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsApiKey] = Samples.ApiKey,
            [SettingNames.ElevenLabsBaseUrl] = _elevenLabs.BaseAddress.ToString(),
            [SettingNames.AlertsTeamsWebhookUrl] = new Uri(_teams.BaseAddress, "workflows/triggers/manual/paths/invoke?sig=teams-secret-sig").ToString(),
            [SettingNames.AlertsEmailEndpoint] = _acs.BaseAddress.ToString(),
            [SettingNames.AlertsEmailAccessKey] = AcsKey,
            [SettingNames.AlertsEmailSender] = "DoNotReply@alerts.example.com",
            [SettingNames.AlertsEmailRecipients] = "oncall@example.com, lead@example.com",
            [SettingNames.DetectionWebhookHealthEnabled] = "false",
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        return TestServices.Create(azurite.ConnectionString, time ?? _time, settings, configure);
    }

    private static Task<SweepResult> SweepAsync(ServiceProvider services) =>
        services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);

    private async Task KnowRealAndBlank()
    {
        await KnowAsync(Samples.RealJson());
        await KnowAsync(Samples.BlankJson());
        _elevenLabs.Add(Samples.RealJson());
        _elevenLabs.Add(Samples.BlankJson());
    }

    /// <summary>Records a conversation as enrichment does (rows and change), read now by the test clock.</summary>
    private Task KnowAsync(JsonObject conversation, DateTimeOffset? readAt = null) =>
        new ConvoFunctions.Correlation.CorrelationRepository(azurite.Storage, StorageClock.Following(_time))
            .UpsertAsync(Samples.Facts(conversation, readAt ?? _time.GetUtcNow()), CancellationToken.None);

    private List<RecordedRequest> TeamsPosts => _teams.Requests.Where(r => r.Method == "POST").ToList();

    private List<RecordedRequest> EmailPosts => _acs.Requests.Where(r => r.Method == "POST").ToList();

    [Fact]
    public async Task Real_plus_blank_call_sends_one_Teams_card_and_one_email_with_the_details()
    {
        await KnowRealAndBlank();
        await using var services = Services();

        var result = await SweepAsync(services);

        var group = Assert.Single(result.Duplicates);
        Assert.Equal("CAaaaa1111bbbb2222cccc3333dddd4444", group.Key);
        Assert.Equal(Verdict.RealPlusBlank, group.Verdict);

        var teams = Assert.Single(TeamsPosts);
        Assert.StartsWith("/workflows/triggers/manual/paths/invoke", teams.PathAndQuery);
        var message = JsonNode.Parse(teams.Body)!;
        Assert.Equal("message", (string?)message["type"]);
        var attachment = Assert.Single(message["attachments"]!.AsArray())!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", (string?)attachment["contentType"]);
        var card = attachment["content"]!;
        Assert.Equal("1.5", (string?)card["version"]);
        var cardText = TeamsCard.Serialize(card);
        Assert.Contains("conv_sample_real_01", cardText);
        Assert.Contains("conv_sample_blank_02", cardText);
        Assert.Contains("CAaaaa1111bbbb2222cccc3333dddd4444", cardText);
        Assert.Contains("+44******0123", cardText);
        Assert.Contains("real + blank", cardText);
        Assert.Contains("agent_01jx7sample0000000000000", cardText);
        Assert.DoesNotContain("447700900123", teams.Body);
        var urls = card["actions"]!.AsArray().Select(a => (string?)a!["url"]).ToList();
        Assert.Equal(
            ["https://elevenlabs.io/app/agents/history/conv_sample_blank_02", "https://elevenlabs.io/app/agents/history/conv_sample_real_01"],
            urls);

        var email = Assert.Single(EmailPosts);
        Assert.Equal("/emails:send?api-version=2023-03-31", email.PathAndQuery);
        Assert.StartsWith("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=", email.Headers["Authorization"]);
        // One traceable ACS operation per alert generation, the same on a resend.
        Assert.Equal(EmailChannel.OperationId(Alert.FromJson(Assert.Single(await RowsAsync(group.Key)).GetString("Payload")!)).ToString(), email.Headers["Operation-Id"]);
        var mail = JsonNode.Parse(email.Body)!;
        Assert.Equal("DoNotReply@alerts.example.com", (string?)mail["senderAddress"]);
        Assert.Equal(["oncall@example.com", "lead@example.com"], mail["recipients"]!["to"]!.AsArray().Select(t => (string?)t!["address"]));
        var subject = (string)mail["content"]!["subject"]!;
        Assert.Contains("2 conversations", subject);
        var html = (string)mail["content"]!["html"]!;
        var text = (string)mail["content"]!["plainText"]!;
        foreach (var body in new[] { html, text })
        {
            Assert.Contains("conv_sample_real_01", body);
            Assert.Contains("conv_sample_blank_02", body);
            Assert.Contains("CAaaaa1111bbbb2222cccc3333dddd4444", body);
            Assert.Contains("2025-11-24 15:00:00", body);
            Assert.Contains("2025-11-24 14:59:59", body);
            Assert.Contains("initiated", body);
            Assert.Contains("inbound", body);
            Assert.Contains("twilio", body);
            Assert.DoesNotContain("447700900123", body);
        }
        Assert.Contains("<table", html);

        // The structured log event, and no secret anywhere in the logs.
        Assert.Contains(services.GetRequiredService<TestLog>().Lines, l => l.Contains("Alert duplicate CAaaaa1111bbbb2222cccc3333dddd4444 generation 0002", StringComparison.Ordinal));
        Assert.DoesNotContain(services.GetRequiredService<TestLog>().Lines, l => l.Contains("teams-secret-sig") || l.Contains(AcsKey) || l.Contains(Samples.ApiKey) || l.Contains("447700900123"));

        // A later sweep over the same window sends nothing more.
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);
        Assert.Single(TeamsPosts);
        Assert.Single(EmailPosts);
    }

    [Fact]
    public async Task Two_concurrent_sweeps_send_one_alert()
    {
        await KnowRealAndBlank();
        await using var first = Services();
        await using var second = Services();

        await Task.WhenAll(Task.Run(() => SweepAsync(first)), Task.Run(() => SweepAsync(second)));
        await Task.WhenAll(Task.Run(() => SweepAsync(first)), Task.Run(() => SweepAsync(second)));

        Assert.Single(TeamsPosts);
        Assert.Single(EmailPosts);
        var rows = await RowsAsync("CAaaaa1111bbbb2222cccc3333dddd4444");
        var row = Assert.Single(rows);
        Assert.Equal(ChannelState.Sent, row.GetString("teams_State"));
        Assert.Equal(ChannelState.Sent, row.GetString("email_State"));
        Assert.Equal(ChannelState.Sent, row.GetString("log_State"));
    }

    [Fact]
    public async Task A_second_sweeper_on_the_same_account_waits_while_the_first_holds_the_sweep_and_says_so()
    {
        await KnowRealAndBlank();
        await using var deployed = Services();
        await using var laptop = Services();
        var deployedLease = deployed.GetRequiredService<SweepLease>();
        Assert.Null(await deployedLease.TryAcquireAsync(CancellationToken.None)); // the deployed app is sweeping

        var skipped = await SweepAsync(laptop);

        Assert.Equal(0, skipped.Changes);
        Assert.Empty(TeamsPosts);
        Assert.Contains(laptop.GetRequiredService<TestLog>().Lines, l => l.Contains("Sweep skipped: another sweeper", StringComparison.Ordinal) && l.Contains(deployedLease.Owner, StringComparison.Ordinal));

        await deployedLease.ReleaseAsync(CancellationToken.None);
        Assert.Single((await SweepAsync(laptop)).Duplicates);
        Assert.Single(TeamsPosts);
    }

    [Fact]
    public async Task Writers_minutes_fast_and_slow_and_a_second_sweeper_minutes_fast_skip_no_change_and_double_no_alert()
    {
        // One storage service keeping true time; every instance's own clock is off by its skew.
        Dictionary<string, string?> settings = new(NoDiscovery) { [SettingNames.AlertsIncidentThreshold] = "0" };
        ServiceProvider Instance(TimeSpan skew) =>
            Services(settings, new SkewedClock(_time, skew), services => services.AddSingleton(StorageClock.Following(_time)));
        await using var deployed = Services(settings);
        await using var laptop = Instance(TimeSpan.FromMinutes(4));
        (ServiceProvider Services, TimeSpan Skew)[] writers = [(Instance(TimeSpan.FromMinutes(4)), TimeSpan.FromMinutes(4)), (Instance(TimeSpan.FromMinutes(-3)), TimeSpan.FromMinutes(-3))];
        const int calls = 24;

        for (var call = 0; call < calls; call++)
        {
            _time.Advance(TimeSpan.FromSeconds(50));
            var (writer, skew) = writers[call % 2];
            // Calls far apart, so that no other change's neighbourhood judges a skipped one.
            var start = _time.GetUtcNow().AddMinutes(-3 - 30 * call).ToUnixTimeSeconds();
            var sid = $"CAskew{call:D2}" + new string('0', 26);
            foreach (var conversation in new[] { Samples.Variant(Samples.RealJson(), $"conv_skew_real_{call:D2}", start, sid), Samples.Variant(Samples.BlankJson(), $"conv_skew_blank_{call:D2}", start - 1, sid) })
            {
                _elevenLabs.Add(conversation);
                // Read "now" as the writing instance sees it.
                await writer.GetRequiredService<ConvoFunctions.Correlation.CorrelationRepository>()
                    .UpsertAsync(Samples.Facts(conversation, _time.GetUtcNow() + skew), CancellationToken.None);
            }
            // The deployed sweep and a laptop's convo serve --storage take turns, the laptop's clock 4 minutes ahead.
            if (call % 3 == 2) await SweepAsync(call % 2 == 0 ? deployed : laptop);
        }
        foreach (var (writer, _) in writers) await writer.DisposeAsync();
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(deployed);

        var alerted = AlertedConversations();
        Assert.Equal(calls, TeamsPosts.Count);
        Assert.Equal(calls, alerted.Count);
        Assert.Equal(calls, alerted.Select(ids => ids[0]).Distinct().Count());
        Assert.Contains(laptop.GetRequiredService<TestLog>().Lines, l => l.Contains("clock is 00:04:00 off the storage service's", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_checkpoint_only_moves_forward_unless_set_back_on_purpose()
    {
        await using var services = Services();
        var checkpoint = services.GetRequiredService<SweepCheckpoint>();
        var at = _time.GetUtcNow();

        Assert.Equal(at, await checkpoint.SaveAsync(at, CancellationToken.None));
        // A sweep that started earlier, or holds back a change before it, does not take it back.
        Assert.Equal(at, await checkpoint.SaveAsync(at.AddMinutes(-3), CancellationToken.None));
        Assert.Equal(at.AddMinutes(1), await checkpoint.SaveAsync(at.AddMinutes(1), CancellationToken.None));
        await checkpoint.ResetAsync(at.AddDays(-1), CancellationToken.None);
        Assert.Equal(at.AddDays(-1), await checkpoint.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task One_call_sid_shared_by_fifty_calls_over_a_day_gives_fifty_judgements_and_one_warning()
    {
        // A constant system__call_sid (a flow that sets it from a fixed value) on every call of the day, each call from
        // its own caller with a blank twin of its own.
        await using var services = Services(new Dictionary<string, string?>(NoDiscovery) { [SettingNames.AlertsIncidentThreshold] = "0" });
        const string constant = "CAconstant0000000000000000000000";
        var begin = _time.GetUtcNow();
        for (var call = 0; call < 50; call++)
        {
            var start = begin.AddMinutes(29 * call);
            var caller = $"+4477009{call:D5}";
            foreach (var json in new[] { Samples.Variant(Samples.RealJson(), $"conv_shared_real_{call:D2}", start.ToUnixTimeSeconds(), constant), Samples.Variant(Samples.BlankJson(), $"conv_shared_blank_{call:D2}", start.ToUnixTimeSeconds() - 1, constant) })
            {
                json["metadata"]!["phone_call"]!["external_number"] = caller;
                json["conversation_initiation_client_data"]!["dynamic_variables"]!["system__caller_id"] = caller;
                _time.Now = start.AddMinutes(3); // its webhook, once the call ended
                await KnowAsync(json);
            }
            await SweepAsync(services);
        }

        var alerted = AlertedConversations();
        Assert.Equal(50, alerted.Count);
        Assert.All(alerted, ids => Assert.Equal([ids[0], ids[0].Replace("blank", "real", StringComparison.Ordinal)], ids));
        Assert.Single(services.GetRequiredService<TestLog>().Lines, l => l.Contains($"Call id {constant} is shared", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_call_sharing_an_id_with_an_alerted_call_it_cannot_see_gets_an_alert_of_its_own()
    {
        // Call A is alerted; its call rows are gone (retention, or another sweep that has not recorded them yet) when
        // call B with the same constant id is judged: B alone looks like A's call, yet it is another.
        await using var services = Services(new Dictionary<string, string?>(NoDiscovery) { [SettingNames.AlertsIncidentThreshold] = "0" });
        const string constant = "CAconstant1111111111111111111111";
        var first = _time.GetUtcNow().AddMinutes(-10);
        async Task CallAsync(string name, DateTimeOffset start, string caller)
        {
            foreach (var json in new[] { Samples.Variant(Samples.RealJson(), $"conv_{name}_real", start.ToUnixTimeSeconds(), constant), Samples.Variant(Samples.BlankJson(), $"conv_{name}_blank", start.ToUnixTimeSeconds() - 1, constant) })
            {
                json["metadata"]!["phone_call"]!["external_number"] = caller;
                await KnowAsync(json);
            }
            await SweepAsync(services);
        }
        await CallAsync("a", first, "+447700900001");
        // Gone from every table the sweep reads (as retention removes them), but not from the alert ledger.
        var gone = 0;
        foreach (var table in new[] { StorageNames.CallsTable, StorageNames.ActivityTable, StorageNames.ChangesTable }.Select(azurite.Storage.Table))
        {
            await foreach (var row in table.QueryAsync<TableEntity>(r => r.RowKey == "conv_a_real" || r.RowKey == "conv_a_blank"))
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
                gone++;
            }
        }
        Assert.Equal(6, gone);

        _time.Advance(TimeSpan.FromDays(1));
        await CallAsync("b", _time.GetUtcNow().AddMinutes(-10), "+447700900002");

        Assert.Equal([["conv_a_blank", "conv_a_real"], ["conv_b_blank", "conv_b_real"]], AlertedConversations());
        Assert.Equal([constant, DuplicateGroup.SharedKey(constant, "conv_b_blank")], (await AlertKeysAsync()).Order(StringComparer.Ordinal));
    }

    /// <summary>An instance's own clock: the test's true time moved by a skew.</summary>
    private sealed class SkewedClock(TimeProvider truth, TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => truth.GetUtcNow() + skew;
    }

    /// <summary>Twilio evidence read from the stand-in's Twilio side.</summary>
    private Dictionary<string, string?> TwilioSettings => new()
    {
        [SettingNames.TwilioAccountSid] = _elevenLabs.Twilio.AccountSid,
        [SettingNames.TwilioApiKeySid] = _elevenLabs.Twilio.ApiKeySid,
        [SettingNames.TwilioApiKeySecret] = _elevenLabs.Twilio.ApiKeySecret,
        [SettingNames.TwilioBaseUrl] = _elevenLabs.BaseAddress.ToString(),
    };

    [Fact]
    public async Task A_duplicate_carries_the_telephony_evidence_of_its_sending_and_gets_one_follow_up_once_Twilios_request_log_is_readable()
    {
        const string sid = "CAaaaa1111bbbb2222cccc3333dddd4444";
        const string primary = "https://api.us.elevenlabs.io/twilio/inbound_call";
        const string fallback = "https://api.elevenlabs.io/twilio/inbound_call";
        var start = DateTimeOffset.FromUnixTimeSeconds(RealStart);
        var twilio = _elevenLabs.Twilio;
        twilio.AddCall(twilio.Call(sid, "inbound", "+447700900123", "+442079460000", start, start.AddSeconds(150)));
        twilio.AddNumber(twilio.Number("+442079460000", primary, fallback, null, start.AddDays(-3)));
        twilio.AddNotification(sid, "11205", start.AddSeconds(16), primary);
        twilio.AddEvents(sid,
            twilio.Request(start.AddSeconds(1), primary, responseCode: null, durationMs: 15000),
            twilio.Request(start.AddSeconds(16), fallback, responseCode: 200, durationMs: 310, errorCode: "11205", errorUrl: primary));
        await KnowRealAndBlank();
        await using var services = Services(TwilioSettings);

        // 7.5 minutes after the call ended: the number and the 11205 notification are readable, the request log not yet.
        await SweepAsync(services);
        var first = Assert.Single(TeamsPosts).Body;
        Assert.Contains("11205", first);

        // 20 minutes after: the request log shows the fallback request; one follow-up, once.
        _time.Advance(TimeSpan.FromMinutes(10));
        await SweepAsync(services);
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);

        Assert.Equal(2, TeamsPosts.Count);
        Assert.Equal(2, EmailPosts.Count);
        var followUp = TeamsPosts[1].Body;
        Assert.Contains("Telephony evidence", followUp);
        Assert.Contains("fallback", followUp);
        Assert.DoesNotContain(twilio.ApiKeySecret, followUp + first);
        Assert.DoesNotContain(services.GetRequiredService<TestLog>().Lines, l => l.Contains(twilio.ApiKeySecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_Twilio_outage_never_delays_the_alert()
    {
        await KnowRealAndBlank();
        _elevenLabs.Twilio.Script(_ => StandInAnswer.Error(503, "down"));
        await using var services = Services(TwilioSettings);

        await SweepAsync(services);

        Assert.Single(TeamsPosts);
        Assert.Single(EmailPosts);
    }

    [Fact]
    public async Task Failed_Teams_post_is_retried_next_sweep_and_the_email_is_not_resent()
    {
        await KnowRealAndBlank();
        _teamsFailuresLeft = 1;
        await using var services = Services();

        var first = await SweepAsync(services);
        var outcome = Assert.Single(first.Alerts);
        Assert.Contains("teams", outcome.Failed);
        Assert.Contains("email", outcome.Sent);
        Assert.Equal(ChannelState.Failed, Assert.Single(await RowsAsync("CAaaaa1111bbbb2222cccc3333dddd4444")).GetString("teams_State"));
        // The failure reason is stored without the webhook URL (its signature is a secret).
        Assert.DoesNotContain("teams-secret-sig", Assert.Single(await RowsAsync("CAaaaa1111bbbb2222cccc3333dddd4444")).GetString("teams_Error"));

        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);

        Assert.Equal(2, TeamsPosts.Count);
        Assert.Single(EmailPosts);
        var row = Assert.Single(await RowsAsync("CAaaaa1111bbbb2222cccc3333dddd4444"));
        Assert.Equal(ChannelState.Sent, row.GetString("teams_State"));
        Assert.Equal(2, row.GetInt32("teams_Attempts"));

        // Once everything went out, the alert leaves the small "open" partition.
        Assert.Empty(await RowsAsync(AlertLedger.OpenPartition));
    }

    [Fact]
    public async Task Sweep_that_crashed_after_the_insert_is_finished_by_the_next_one()
    {
        await KnowRealAndBlank();
        await using var services = Services();
        var group = DuplicateGrouper.Group([Samples.Real, Samples.Blank], TimeSpan.FromMinutes(2)).Single();
        var alert = services.GetRequiredService<AlertFactory>().ForDuplicate(group, group.Key, null, _time.GetUtcNow());
        // What a crashed sweep leaves: the row, every channel pending, nothing sent.
        await services.GetRequiredService<AlertLedger>().OpenAsync(alert.Key, alert.Generation, alert.ToJson(),
            [("log", true), ("teams", true), ("email", true)], true, CancellationToken.None);

        await SweepAsync(services);

        Assert.Single(TeamsPosts);
        Assert.Single(EmailPosts);
    }

    [Fact]
    public async Task Blank_sibling_that_never_sent_a_webhook_is_found_by_discovery()
    {
        // Only the real conversation reached us; ElevenLabs also has the blank one (and an unrelated call of another agent).
        await KnowAsync(Samples.RealJson());
        _elevenLabs.Add(Samples.RealJson());
        _elevenLabs.Add(Samples.BlankJson());
        var other = Samples.Variant(Samples.RealJson(), "conv_other_agent", RealStart, "CAother");
        other["agent_id"] = "agent_other";
        _elevenLabs.Add(other);
        await using var services = Services();

        var result = await SweepAsync(services);

        Assert.Equal(["conv_sample_blank_02"], result.Discovery.Found.Select(c => c.ConversationId));
        Assert.Equal(1, result.Discovery.Details);
        var group = Assert.Single(result.Duplicates);
        Assert.Equal(Verdict.RealPlusBlank, group.Verdict);
        var list = Assert.Single(_elevenLabs.Requests, r => r.PathAndQuery.StartsWith("/v1/convai/conversations?", StringComparison.Ordinal));
        Assert.Contains("agent_id=agent_01jx7sample0000000000000", list.PathAndQuery);
        Assert.Contains($"call_start_after_unix={RealStart - 121}", list.PathAndQuery);
        Assert.Contains($"call_start_before_unix={RealStart + 121}", list.PathAndQuery);
        Assert.Single(TeamsPosts);
        Assert.Single(EmailPosts);
    }

    [Fact]
    public async Task An_API_that_times_out_does_not_stop_alerts_on_what_is_known()
    {
        await KnowAsync(Samples.RealJson());
        await KnowAsync(Samples.BlankJson());
        await using var stalled = await LoopbackServer.StartAsync((context, _) => Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted));
        await using var services = Services(StalledApi(stalled));

        // The resilience pipeline gives up with Polly's TimeoutRejectedException, not an HttpRequestException.
        var result = await SweepAsync(services);

        Assert.Single(result.Duplicates);
        Assert.Single(TeamsPosts);
        Assert.NotEmpty(stalled.Requests);
    }

    [Fact]
    public async Task Discovery_can_be_turned_off_and_is_bounded()
    {
        await KnowAsync(Samples.RealJson());
        _elevenLabs.Add(Samples.RealJson());
        _elevenLabs.Add(Samples.BlankJson());

        await using (var off = Services(new() { [SettingNames.DetectionDiscoveryEnabled] = "false" }))
        {
            var result = await SweepAsync(off);
            Assert.Empty(result.Duplicates);
            Assert.Empty(_elevenLabs.Requests);
        }

        // Three calls far apart need three queries; the bound allows one, the oldest.
        await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_b", RealStart + 600, "CAb"));
        await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_c", RealStart + 1200, "CAc"));
        _time.Advance(TimeSpan.FromMinutes(25));
        await using var bounded = Services(new() { [SettingNames.DetectionDiscoveryMaxQueries] = "1" });
        var bound = await SweepAsync(bounded);
        Assert.True(bound.Discovery.Truncated);
        Assert.Equal(1, bound.Discovery.Queries);
        Assert.Equal(Verdict.RealPlusBlank, Assert.Single(bound.Duplicates).Verdict);
    }

    [Fact]
    public async Task Calls_of_the_same_caller_minutes_apart_are_not_grouped()
    {
        // Same caller, same agent, two separate calls 10 minutes apart: with call SIDs and without.
        await KnowAsync(Samples.RealJson());
        await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_later", RealStart + 600, "CAlater"));
        await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_nosid_1", RealStart + 1200, null));
        await KnowAsync(Samples.Variant(Samples.BlankJson(), "conv_nosid_2", RealStart + 1500, null));
        _time.Advance(TimeSpan.FromMinutes(30));
        await using var services = Services(new() { [SettingNames.DetectionDiscoveryEnabled] = "false" });

        var result = await SweepAsync(services);

        Assert.Empty(result.Duplicates);
        Assert.Empty(TeamsPosts);
        Assert.Empty(EmailPosts);
    }

    [Fact]
    public async Task Two_real_group_does_not_alert_by_default_but_does_when_configured()
    {
        await KnowAsync(Samples.RealJson());
        await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_transfer", RealStart + 30, "CAaaaa1111bbbb2222cccc3333dddd4444"));
        await using (var services = Services(new() { [SettingNames.DetectionDiscoveryEnabled] = "false" }))
        {
            var result = await SweepAsync(services);
            Assert.Equal(Verdict.TwoReal, Assert.Single(result.Duplicates).Verdict);
            Assert.Empty(result.Alerts);
            Assert.Empty(TeamsPosts);
            Assert.Empty(EmailPosts);
        }

        await using var configured = Services(new()
        {
            [SettingNames.DetectionDiscoveryEnabled] = "false",
            [SettingNames.DetectionAlertVerdicts] = "RealPlusBlank,TwoReal",
        });
        await SweepAsync(configured);
        Assert.Single(TeamsPosts);
    }

    [Fact]
    public async Task Group_that_grows_gets_one_follow_up_alert()
    {
        await KnowRealAndBlank();
        await using var services = Services(new() { [SettingNames.DetectionDiscoveryEnabled] = "false" });
        await SweepAsync(services);

        await KnowAsync(Samples.Variant(Samples.BlankJson(), "conv_third", RealStart + 2, "CAaaaa1111bbbb2222cccc3333dddd4444"));
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);

        Assert.Equal(2, TeamsPosts.Count);
        Assert.Equal(2, EmailPosts.Count);
        Assert.Contains("Follow-up", JsonNode.Parse(TeamsPosts[1].Body)!.ToJsonString());
        Assert.Contains("conv_third", TeamsPosts[1].Body);

        // Seen again (a redelivery): nothing new.
        await KnowAsync(Samples.BlankJson());
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);
        Assert.Equal(2, TeamsPosts.Count);
    }

    private Dictionary<string, string?> NoDiscovery => new() { [SettingNames.DetectionDiscoveryEnabled] = "false" };

    [Theory]
    [InlineData(3)]
    [InlineData(72)]
    public async Task A_webhook_replayed_hours_after_its_call_alerts_its_pair_once(int hoursLater)
    {
        // The blank sibling was recorded at the time of the call; sweeps ran on; the real one's webhook is replayed later.
        await KnowAsync(Samples.BlankJson());
        await using var services = Services(NoDiscovery);
        await SweepAsync(services);
        _time.Advance(TimeSpan.FromHours(hoursLater));
        await SweepAsync(services);

        await KnowAsync(Samples.RealJson());
        await SweepAsync(services);
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);

        Assert.Equal([["conv_sample_blank_02", "conv_sample_real_01"]], AlertedConversations());
    }

    [Fact]
    public async Task A_SIP_pair_where_only_one_member_carries_call_id_alerts_once()
    {
        static JsonObject Sip(JsonObject json, string? callId)
        {
            var phone = json["metadata"]!["phone_call"]!.AsObject();
            phone["type"] = "sip_trunking";
            phone["call_sid"] = "sip_sid_7";
            if (callId is not null) phone["call_id"] = callId;
            json["conversation_initiation_client_data"]!["dynamic_variables"]!.AsObject().Remove("system__call_sid");
            return json;
        }
        await KnowAsync(Sip(Samples.RealJson(), "a84b4c76e66710@pc33.example.com"));
        await KnowAsync(Sip(Samples.BlankJson(), null));
        await using var services = Services(NoDiscovery);

        await SweepAsync(services);
        await SweepAsync(services);

        Assert.Equal([["conv_sample_blank_02", "conv_sample_real_01"]], AlertedConversations());
    }

    [Fact]
    public async Task An_earlier_sibling_found_after_the_alert_gives_one_follow_up_and_no_new_alert()
    {
        // A call without telephony ids: grouped by agent, caller and time, so its natural key names its first member.
        await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_k_real", RealStart, null));
        await KnowAsync(Samples.Variant(Samples.BlankJson(), "conv_k_blank", RealStart + 20, null));
        await using var services = Services(NoDiscovery);
        await SweepAsync(services);

        await KnowAsync(Samples.Variant(Samples.BlankJson(), "conv_k_earlier", RealStart - 30, null));
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);

        await AssertAlertThenOneFollowUpAsync("conv_k_earlier", "fuzzy:agent_01jx7sample0000000000000:conv_k_real");
    }

    [Fact]
    public async Task A_sibling_discovered_after_the_alert_because_the_API_was_down_gives_one_follow_up()
    {
        // Both conversations of the call reached us; ElevenLabs also holds an SDK session of the agent 3 s earlier.
        await KnowRealAndBlank();
        _elevenLabs.Add(Samples.Session("conv_sdk_earlier", RealStart - 3, "python_sdk"));
        await using (var stalled = await LoopbackServer.StartAsync((context, _) => Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted)))
        await using (var apiDown = Services(StalledApi(stalled)))
        {
            await SweepAsync(apiDown); // alerts on what is known; discovery fails and waits for the next sweep
        }

        _time.Advance(TimeSpan.FromMinutes(5));
        await using var services = Services();
        await SweepAsync(services);
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);

        await AssertAlertThenOneFollowUpAsync("conv_sdk_earlier", "CAaaaa1111bbbb2222cccc3333dddd4444");
    }

    [Fact]
    public async Task A_restart_with_the_same_data_gives_no_second_alert()
    {
        await KnowRealAndBlank();
        await using (var before = Services(NoDiscovery)) await SweepAsync(before);

        // A new instance reads every change again (its checkpoint set back, as after a restore or a replay of everything).
        await using var after = Services(NoDiscovery);
        await after.GetRequiredService<SweepCheckpoint>().ResetAsync(_time.GetUtcNow().AddDays(-1), CancellationToken.None);
        await SweepAsync(after);

        Assert.Equal([["conv_sample_blank_02", "conv_sample_real_01"]], AlertedConversations());
    }

    [Fact]
    public async Task Malformed_JSON_for_one_conversation_does_not_stop_the_other_groups_or_the_retries()
    {
        // An alert whose Teams post failed in an earlier sweep waits to be retried.
        await KnowRealAndBlank();
        _teamsFailuresLeft = 1;
        await using var services = Services();
        await SweepAsync(services);
        Assert.Single(TeamsPosts);

        // Next: a call whose unsettled sibling answers broken JSON, and another real + blank call.
        _time.Advance(TimeSpan.FromMinutes(40));
        await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_b_real", RealStart + 900, "CAb"));
        await KnowAsync(Samples.Variant(Samples.BlankJson(), "conv_b_young", RealStart + 901, "CAb"), DateTimeOffset.FromUnixTimeSeconds(RealStart + 905));
        _elevenLabs.Script("conv_b_young", _ => StandInAnswer.Ok("""{"conversation_id": "conv_b_young", "status": """));
        await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_c_real", RealStart + 1800, "CAc"));
        await KnowAsync(Samples.Variant(Samples.BlankJson(), "conv_c_blank", RealStart + 1801, "CAc"));
        var result = await SweepAsync(services);

        Assert.Equal(
            [["conv_sample_blank_02", "conv_sample_real_01"], ["conv_sample_blank_02", "conv_sample_real_01"], ["conv_c_blank", "conv_c_real"]],
            AlertedConversations());
        Assert.Contains(result.Pending, g => g.ConversationIds.Contains("conv_b_young"));
    }

    [Fact]
    public async Task Discovered_siblings_are_recorded_and_fetched_once_and_a_spent_budget_resumes_oldest_first()
    {
        // Three calls far apart; only their real conversations reached us, ElevenLabs also has each one's blank sibling.
        _time.Advance(TimeSpan.FromMinutes(25));
        var calls = new[] { ("conv_sample_real_01", "conv_sample_blank_02", 0L, "CAaaaa1111bbbb2222cccc3333dddd4444"), ("conv_b", "conv_b_blank", 600L, "CAb"), ("conv_c", "conv_c_blank", 1200L, "CAc") };
        foreach (var (real, blank, offset, sid) in calls)
        {
            var realJson = Samples.Variant(Samples.RealJson(), real, RealStart + offset, sid);
            await KnowAsync(realJson);
            _elevenLabs.Add(realJson);
            _elevenLabs.Add(Samples.Variant(Samples.BlankJson(), blank, RealStart + offset - 1, sid));
        }
        await using var services = Services(new() { [SettingNames.DetectionDiscoveryMaxQueries] = "1" });

        var first = await SweepAsync(services);
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            await SweepAsync(services);
        }

        Assert.True(first.Discovery.Truncated);
        Assert.Equal(
            [["conv_sample_blank_02", "conv_sample_real_01"], ["conv_b", "conv_b_blank"], ["conv_c", "conv_c_blank"]],
            AlertedConversations());
        foreach (var (_, blank, _, _) in calls) Assert.Equal(1, _elevenLabs.Count("/v1/convai/conversations/" + blank));
        var row = await azurite.Storage.Table(StorageNames.ConversationsTable).GetEntityAsync<TableEntity>("conv_b_blank", "");
        Assert.True(row.Value.GetBoolean("Discovered"));
    }

    [Fact]
    public async Task A_conversation_recorded_again_in_the_next_hour_is_one_change()
    {
        // Found by `convo reliability`: the two change rows (one per hour bucket) once broke the whole sweep.
        _time.Advance(TimeSpan.FromMinutes(49)); // 15:59
        await KnowAsync(Samples.BlankJson());
        _time.Advance(TimeSpan.FromMinutes(2)); // 16:01
        await KnowAsync(Samples.BlankJson());
        await KnowAsync(Samples.RealJson());
        await using var services = Services(NoDiscovery);

        var result = await SweepAsync(services);

        Assert.Equal(2, result.Changes);
        Assert.Equal([["conv_sample_blank_02", "conv_sample_real_01"]], AlertedConversations());
    }

    [Fact]
    public async Task The_same_caller_calling_twice_90_seconds_apart_with_two_call_SIDs_is_two_calls()
    {
        await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_first", RealStart, "CAfirst"));
        await KnowAsync(Samples.Variant(Samples.BlankJson(), "conv_second", RealStart + 90, "CAsecond"));
        await using var services = Services(NoDiscovery);

        var result = await SweepAsync(services);

        Assert.Empty(result.Duplicates);
        Assert.Empty(TeamsPosts);
    }

    [Fact]
    public async Task A_conversation_read_5_seconds_after_it_started_is_not_called_blank()
    {
        // Read 5 s in, the second conversation of the call was still "initiated"; by the sweep it had become real.
        await KnowAsync(Samples.RealJson());
        var young = Samples.Variant(Samples.BlankJson(), "conv_young", RealStart + 1, "CAaaaa1111bbbb2222cccc3333dddd4444");
        await KnowAsync(young, DateTimeOffset.FromUnixTimeSeconds(RealStart + 6));
        var later = Samples.Variant(Samples.RealJson(), "conv_young", RealStart + 1, "CAaaaa1111bbbb2222cccc3333dddd4444");
        _elevenLabs.Add(later);
        await using var services = Services(NoDiscovery);

        var result = await SweepAsync(services);

        Assert.Empty(TeamsPosts);
        Assert.Equal(Verdict.TwoReal, Assert.Single(result.Duplicates).Verdict);
    }

    [Fact]
    public async Task A_conversation_the_API_no_longer_knows_on_refresh_is_settled_as_not_found_and_its_call_judged()
    {
        // Read 5 s in, still "initiated"; by the sweep the API answers 404 for it.
        await KnowAsync(Samples.RealJson());
        _elevenLabs.Add(Samples.RealJson());
        var young = Samples.Variant(Samples.BlankJson(), "conv_gone", RealStart + 1, "CAaaaa1111bbbb2222cccc3333dddd4444");
        await KnowAsync(young, DateTimeOffset.FromUnixTimeSeconds(RealStart + 6));
        await using var services = Services(NoDiscovery);

        var result = await SweepAsync(services);

        Assert.Empty(result.Pending);
        Assert.Equal(_time.GetUtcNow(), await services.GetRequiredService<SweepCheckpoint>().ReadAsync(CancellationToken.None));
        var row = await new ConvoFunctions.Correlation.CorrelationRepository(azurite.Storage, StorageClock.Following(_time)).GetConversationAsync("conv_gone", CancellationToken.None);
        Assert.Equal("not_found", row!.Source);
        Assert.Empty(TeamsPosts);
    }

    [Fact]
    public async Task A_blank_SDK_session_2_seconds_after_a_phone_call_alerts_with_it_as_probable_but_a_widget_90_seconds_later_does_not()
    {
        await KnowAsync(Samples.RealJson());
        await KnowAsync(Samples.Session("conv_sdk", RealStart + 2, "python_sdk"));
        await KnowAsync(Samples.Session("conv_widget", RealStart + 90, "widget"));
        await using var services = Services(NoDiscovery);

        await SweepAsync(services);

        Assert.Equal([["conv_sample_real_01", "conv_sdk"]], AlertedConversations());
        Assert.Contains("probable sibling", Assert.Single(TeamsPosts).Body);
    }

    [Fact]
    public async Task Done_blank_SDK_sessions_join_their_calls_as_probable_siblings_and_a_blank_widget_visit_joins_none()
    {
        // Three Twilio calls ten minutes apart. Next to the first, personalization code opened and closed a Python SDK
        // session at once (done, no message, 0 s); next to the second, a JS SDK session in which only the agent's greeting
        // was spoken (2 s, no user audio); 4 s after the third, a website visitor opened the widget and said nothing.
        _time.Now = DateTimeOffset.FromUnixTimeSeconds(RealStart).AddMinutes(40);
        var calls = new[] { "CA0000000000000000000000000000001", "CA0000000000000000000000000000002", "CA0000000000000000000000000000003" };
        for (var i = 0; i < calls.Length; i++)
            await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_call_" + (i + 1), RealStart + 600 * i, calls[i]));
        await KnowAsync(SdkSession("conv_python", RealStart + 3, "python_sdk", greeting: false));
        await KnowAsync(SdkSession("conv_greeting", RealStart + 600 + 2, "js_sdk", greeting: true));
        await KnowAsync(SdkSession("conv_widget", RealStart + 1200 + 4, "widget", greeting: false));
        await using var services = Services(NoDiscovery);

        await SweepAsync(services);

        Assert.Equal([["conv_call_1", "conv_python"], ["conv_call_2", "conv_greeting"]], AlertedConversations().OrderBy(a => a[0]).ToList());
        Assert.All(TeamsPosts, p => Assert.Contains("probable sibling", p.Body));
        Assert.Contains("Python SDK", TeamsPosts.Single(p => p.Body.Contains("conv_python")).Body);
        Assert.Contains("caller messages 0, user audio no", TeamsPosts.Single(p => p.Body.Contains("conv_greeting")).Body);
    }

    [Fact]
    public async Task A_probable_sibling_stays_with_the_call_it_was_alerted_with_and_a_nearer_call_found_later_gets_its_own_alert()
    {
        // Call A and its twin, an SDK session 13 s after A: one alert, the session a probable sibling.
        await KnowRealAndBlank();
        await KnowAsync(SdkSession("conv_sdk_moving", RealStart + 13, "python_sdk", greeting: false));
        await using var services = Services(NoDiscovery);
        await SweepAsync(services);

        // A sweep later, call C and its twin, 4 s after the session: nearer to it than A ever was.
        const string c = "CAcccc3333dddd4444eeee5555ffff6666";
        _time.Advance(TimeSpan.FromMinutes(5));
        await KnowAsync(Samples.Variant(Samples.RealJson(), "conv_c_real", RealStart + 17, c));
        await KnowAsync(Samples.Variant(Samples.BlankJson(), "conv_c_blank", RealStart + 16, c));
        await SweepAsync(services);

        Assert.Equal([["conv_sample_blank_02", "conv_sample_real_01", "conv_sdk_moving"], ["conv_c_blank", "conv_c_real"]], AlertedConversations());
        Assert.DoesNotContain("Follow-up", TeamsPosts[1].Body);
        Assert.Equal(["CAaaaa1111bbbb2222cccc3333dddd4444", c], (await AlertKeysAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Fifty_calls_over_a_day_sharing_one_system_call_sid_are_fifty_judgements_and_one_warning()
    {
        // A team's code sets the same system__call_sid on every call; each call has its own call_sid and a blank twin.
        _time.Now = DateTimeOffset.FromUnixTimeSeconds(RealStart).AddDays(1).AddMinutes(10);
        for (var i = 0; i < 50; i++)
        {
            var start = RealStart + i * 1740; // every 29 minutes
            foreach (var (fixture, id, offset) in new[] { (Samples.RealJson(), $"conv_shared_real_{i:D2}", 0), (Samples.BlankJson(), $"conv_shared_blank_{i:D2}", -1) })
            {
                var conversation = Samples.Variant(fixture, id, start + offset, $"CAshared{i:D2}");
                conversation["conversation_initiation_client_data"]!["dynamic_variables"]!["system__call_sid"] = "CAconstant0000";
                await KnowAsync(conversation);
            }
        }
        // Incidents off: each judgement is then one post, which is what this counts.
        await using var services = Services(new() { [SettingNames.DetectionLookBack] = "2.00:00:00", [SettingNames.DetectionDiscoveryEnabled] = "false", [SettingNames.AlertsIncidentThreshold] = "0" });

        var result = await SweepAsync(services);

        Assert.Equal(50, result.Duplicates.Count);
        Assert.All(result.Duplicates, g => Assert.Equal(2, g.Conversations.Count));
        Assert.Equal(50, TeamsPosts.Count);
        Assert.Single(services.GetRequiredService<TestLog>().Lines, l => l.Contains("Call id CAconstant0000 is shared", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discovery_does_not_read_the_details_of_a_listed_conversation_that_can_never_join_a_call()
    {
        await KnowAsync(Samples.RealJson());
        _elevenLabs.Add(Samples.RealJson());
        _elevenLabs.Add(SdkSession("conv_widget", RealStart + 4, "widget", greeting: false));
        _elevenLabs.Add(SdkSession("conv_python", RealStart + 3, "python_sdk", greeting: false));
        await using var services = Services();

        var result = await SweepAsync(services);

        Assert.Equal(["conv_python"], result.Discovery.Found.Select(c => c.ConversationId));
        Assert.DoesNotContain(_elevenLabs.Requests, r => r.PathAndQuery.StartsWith("/v1/convai/conversations/conv_widget", StringComparison.Ordinal));
        Assert.Equal([["conv_python", "conv_sample_real_01"]], AlertedConversations());
    }

    [Fact]
    public async Task A_source_this_build_does_not_know_is_read_but_never_a_probable_sibling_and_is_logged_once()
    {
        await KnowAsync(Samples.RealJson());
        _elevenLabs.Add(Samples.RealJson());
        _elevenLabs.Add(SdkSession("conv_new_source_1", RealStart + 3, "hologram_booth", greeting: false));
        _elevenLabs.Add(SdkSession("conv_new_source_2", RealStart + 5, "hologram_booth", greeting: false));
        await using var services = Services();

        var result = await SweepAsync(services);

        Assert.Equal(["conv_new_source_1", "conv_new_source_2"], result.Discovery.Found.Select(c => c.ConversationId).Order());
        Assert.Empty(TeamsPosts);
        Assert.Single(services.GetRequiredService<TestLog>().Lines, l => l.Contains("Initiation source hologram_booth", StringComparison.Ordinal));
    }

    /// <summary>A session without phone metadata, <c>done</c>, in which the caller never spoke: 0 s, or the agent's greeting alone (2 s).</summary>
    private static JsonObject SdkSession(string id, long startUnix, string source, bool greeting)
    {
        var session = Samples.Session(id, startUnix, source);
        session["status"] = "done";
        session["metadata"]!["accepted_time_unix_secs"] = startUnix;
        session["metadata"]!["termination_reason"] = "Client disconnected";
        if (greeting)
        {
            session["transcript"] = new JsonArray(new JsonObject { ["role"] = "agent", ["message"] = "Hello, how can I help?", ["time_in_call_secs"] = 0 });
            session["metadata"]!["call_duration_secs"] = 2;
            session["has_audio"] = true;
            session["has_response_audio"] = true;
        }
        return session;
    }

    /// <summary>An API that answers nothing within the (shortened) timeouts.</summary>
    private static Dictionary<string, string?> StalledApi(LoopbackServer stalled) => new()
    {
        [SettingNames.ElevenLabsBaseUrl] = stalled.BaseAddress.ToString(),
        [SettingNames.ElevenLabsRetryAttempts] = "0",
        [SettingNames.ElevenLabsAttemptTimeout] = "00:00:01",
        [SettingNames.ElevenLabsTotalTimeout] = "00:00:02",
    };

    /// <summary>Exactly two Teams posts: the call's alert, then one follow-up naming the new member, under one alert key.</summary>
    private async Task AssertAlertThenOneFollowUpAsync(string newConversationId, string alertKey)
    {
        Assert.Equal(2, TeamsPosts.Count);
        Assert.DoesNotContain("Follow-up", TeamsPosts[0].Body);
        Assert.Contains("Follow-up", TeamsPosts[1].Body);
        Assert.Contains("new: " + newConversationId, TeamsPosts[1].Body);
        Assert.Equal([alertKey], await AlertKeysAsync());
    }

    /// <summary>The conversation ids each Teams post named, in order: what was sent, and nothing else.</summary>
    private List<List<string>> AlertedConversations() => TeamsPosts
        .Select(p => System.Text.RegularExpressions.Regex.Matches(p.Body, @"history/(conv_[A-Za-z0-9_]+)").Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal).ToList())
        .ToList();

    private async Task<List<string>> AlertKeysAsync()
    {
        var keys = new List<string>();
        await foreach (var e in azurite.Storage.Table(StorageNames.AlertsTable).QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            if (e.PartitionKey is not (AlertLedger.OpenPartition or AlertLedger.MemberPartition or AlertLedger.OwnerPartition or AlertLedger.HealthPartition or IncidentRecords.StatePartition or IncidentRecords.CallPartition)) keys.Add(e.PartitionKey);
        }
        return keys.Distinct().ToList();
    }

    [Fact]
    public async Task Auto_disabled_webhook_raises_one_health_alert_per_incident()
    {
        _elevenLabs.Webhooks = JsonNode.Parse("""
            [{"name":"ConvoFunctions","webhook_id":"wh_feed","webhook_url":"https://convo.example/api/webhooks/elevenlabs",
              "is_disabled":false,"is_auto_disabled":true,"created_at_unix":1763900000,"auth_type":"hmac",
              "most_recent_failure_error_code":503,"most_recent_failure_timestamp":1763996000,"some_new_field":{"x":1}}]
            """)!.AsArray();
        PostCallWebhookIs("wh_feed");
        await using var services = Services(new() { [SettingNames.DetectionWebhookHealthEnabled] = "true", [SettingNames.DetectionWebhookId] = "wh_feed" });
        await services.GetRequiredService<IWebhookHeartbeat>().RecordAsync(_time.GetUtcNow().AddMinutes(-1), CancellationToken.None);

        var first = await SweepAsync(services);
        _time.Advance(TimeSpan.FromMinutes(5));
        await Task.WhenAll(Task.Run(() => SweepAsync(services)), Task.Run(() => SweepAsync(services)));

        Assert.Equal(WebhookHealthCheck.AutoDisabled, Assert.Single(first.WebhookProblems).Kind);
        var teams = Assert.Single(TeamsPosts);
        Assert.Contains("auto-disabled", teams.Body);
        Assert.Contains("wh_feed", teams.Body);
        Assert.Single(EmailPosts);

        // Re-enabled: the incident closes; a relapse later is a new incident with its own alert.
        _elevenLabs.Webhooks[0]!["is_auto_disabled"] = false;
        _elevenLabs.Webhooks[0]!["most_recent_failure_timestamp"] = null;
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);
        _elevenLabs.Webhooks[0]!["is_auto_disabled"] = true;
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);
        Assert.Equal(2, TeamsPosts.Count);
    }

    [Fact]
    public async Task Webhook_health_watches_only_the_webhook_that_points_at_this_app()
    {
        _elevenLabs.Webhooks = JsonNode.Parse("""
            [{"name":"ConvoFunctions","webhook_id":"wh_ours","webhook_url":"https://func-convo.azurewebsites.net/api/webhooks/elevenlabs","is_disabled":false,"is_auto_disabled":true},
             {"name":"CRM sync","webhook_id":"wh_other","webhook_url":"https://crm.example.com/hooks","is_disabled":false,"is_auto_disabled":true}]
            """)!.AsArray();
        PostCallWebhookIs("wh_ours");
        await using var services = Services(new()
        {
            [SettingNames.DetectionWebhookHealthEnabled] = "true",
            ["WEBSITE_HOSTNAME"] = "func-convo.azurewebsites.net",
        });
        await services.GetRequiredService<IWebhookHeartbeat>().RecordAsync(_time.GetUtcNow().AddMinutes(-1), CancellationToken.None);

        var result = await SweepAsync(services);

        Assert.Equal(["wh_ours"], result.WebhookProblems.Select(p => p.Subject));
        Assert.DoesNotContain("wh_other", Assert.Single(TeamsPosts).Body);
    }

    [Fact]
    public async Task A_post_call_webhook_switched_to_another_URL_opens_one_webhook_incident()
    {
        _elevenLabs.Webhooks = JsonNode.Parse("""
            [{"name":"ConvoFunctions","webhook_id":"wh_ours","webhook_url":"https://func-convo.azurewebsites.net/api/webhooks/elevenlabs?code=secret-function-key","is_disabled":false,"is_auto_disabled":false},
             {"name":"CRM sync","webhook_id":"wh_crm","webhook_url":"https://crm.example.com/hooks?token=crm-secret","is_disabled":false,"is_auto_disabled":false}]
            """)!.AsArray();
        PostCallWebhookIs("wh_crm");
        await using var services = Services(new() { [SettingNames.DetectionWebhookHealthEnabled] = "true", ["WEBSITE_HOSTNAME"] = "func-convo.azurewebsites.net" });
        await services.GetRequiredService<IWebhookHeartbeat>().RecordAsync(_time.GetUtcNow().AddMinutes(-1), CancellationToken.None);

        var first = await SweepAsync(services);
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);

        Assert.Equal(WebhookHealthCheck.Elsewhere, Assert.Single(first.WebhookProblems).Kind);
        var teams = Assert.Single(TeamsPosts);
        Assert.Contains("CRM sync (wh_crm, crm.example.com)", teams.Body);
        Assert.DoesNotContain("secret", teams.Body);
        Assert.Single(EmailPosts);

        // Set back: the incident closes, and nothing more is sent.
        PostCallWebhookIs("wh_ours");
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty((await SweepAsync(services)).WebhookProblems);
        Assert.Single(TeamsPosts);
    }

    [Fact]
    public async Task A_post_call_webhook_without_call_initiation_failures_is_a_problem()
    {
        PostCallWebhookIs("wh_local", "transcript", "audio");
        await using var services = Services(new() { [SettingNames.DetectionWebhookHealthEnabled] = "true", [SettingNames.DetectionWebhookId] = "wh_local" });
        await services.GetRequiredService<IWebhookHeartbeat>().RecordAsync(_time.GetUtcNow().AddMinutes(-1), CancellationToken.None);

        var problem = Assert.Single((await SweepAsync(services)).WebhookProblems);

        Assert.Equal(WebhookHealthCheck.Unsubscribed, problem.Kind);
        Assert.Contains("call_initiation_failure", problem.Summary);
        Assert.DoesNotContain("transcript and", problem.Summary); // transcripts are subscribed
    }

    [Fact]
    public async Task Agents_whose_events_go_elsewhere_are_named_in_one_incident()
    {
        PostCallWebhookIs("wh_local");
        _elevenLabs.AgentOverrides["agent_01jx7sample0000000000000"] = JsonNode.Parse("""{"webhooks":{"post_call_webhook_id":"wh_old_crm","events":["transcript"]}}""")!.AsObject();
        await KnowRealAndBlank();
        await using var services = Services(new() { [SettingNames.DetectionWebhookHealthEnabled] = "true", [SettingNames.DetectionWebhookId] = "wh_local" });
        await services.GetRequiredService<IWebhookHeartbeat>().RecordAsync(_time.GetUtcNow().AddMinutes(-1), CancellationToken.None);

        var problem = Assert.Single((await SweepAsync(services)).WebhookProblems);
        _time.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(services);

        Assert.Equal(WebhookHealthCheck.AgentsElsewhere, problem.Kind);
        Assert.Contains("agent_01jx7sample0000000000000 → wh_old_crm", problem.Facts.Single(f => f.Name == "Agents").Value);
        Assert.Single(TeamsPosts, p => p.Body.Contains("agents send their post-call webhooks elsewhere", StringComparison.Ordinal));
        // Read once: the next sweep, within the hour, uses what it read.
        Assert.Single(_elevenLabs.Requests, r => r.PathAndQuery.StartsWith("/v1/convai/agents/", StringComparison.Ordinal));
    }

    /// <summary>The workspace's post-call webhook (<c>GET /v1/convai/settings</c>), subscribed to the given events.</summary>
    private void PostCallWebhookIs(string webhookId, params string[] events) =>
        _elevenLabs.Settings["webhooks"] = new JsonObject
        {
            ["post_call_webhook_id"] = webhookId,
            ["events"] = new JsonArray((events.Length == 0 ? ["transcript", "call_initiation_failure"] : events).Select(e => (JsonNode)e).ToArray()),
            ["send_audio"] = false,
        };

    [Fact]
    public async Task Quiet_webhook_while_ElevenLabs_lists_conversations_raises_a_health_alert()
    {
        _elevenLabs.Add(Samples.RealJson());
        await using var services = Services(new() { [SettingNames.DetectionWebhookHealthEnabled] = "true" });
        await services.GetRequiredService<IWebhookHeartbeat>().RecordAsync(_time.GetUtcNow().AddHours(-3), CancellationToken.None);

        // A deployment that just started is not "quiet" yet: it waits a whole quiet period first.
        Assert.Empty((await SweepAsync(services)).WebhookProblems);
        _time.Advance(TimeSpan.FromMinutes(31));
        _elevenLabs.Add(Samples.Variant(Samples.RealJson(), "conv_recent", _time.GetUtcNow().AddMinutes(-10).ToUnixTimeSeconds(), "CArecent"));
        var result = await SweepAsync(services);

        Assert.Equal(WebhookHealthCheck.Quiet, Assert.Single(result.WebhookProblems).Kind);
        Assert.Contains("No ElevenLabs webhooks are arriving", Assert.Single(TeamsPosts).Body);
    }

    [Fact]
    public async Task Email_uses_an_Entra_token_when_no_access_key_is_set()
    {
        await KnowRealAndBlank();
        // Replace the credential seam with a fixed token.
        var provider = TestServices.Create(azurite.ConnectionString, _time, new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsApiKey] = Samples.ApiKey,
            [SettingNames.ElevenLabsBaseUrl] = _elevenLabs.BaseAddress.ToString(),
            [SettingNames.AlertsEmailEndpoint] = _acs.BaseAddress.ToString(),
            [SettingNames.AlertsEmailSender] = "DoNotReply@alerts.example.com",
            [SettingNames.AlertsEmailRecipients] = "oncall@example.com",
            [SettingNames.DetectionWebhookHealthEnabled] = "false",
        }, s =>
        {
            s.AddSingleton(new AcsCredential(new FixedTokenCredential()));
        });
        await using (provider) await SweepAsync(provider);

        var email = Assert.Single(EmailPosts);
        Assert.Equal("Bearer entra-test-token", email.Headers["Authorization"]);
        Assert.Empty(TeamsPosts);
    }

    private sealed class FixedTokenCredential : Azure.Core.TokenCredential
    {
        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            requestContext.Scopes.SequenceEqual([AcsCredential.Scope]) ? new("entra-test-token", DateTimeOffset.MaxValue) : throw new InvalidOperationException("wrong scope");

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }

    private async Task<List<TableEntity>> RowsAsync(string partitionKey)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in azurite.Storage.Table(StorageNames.AlertsTable).QueryAsync<TableEntity>(e => e.PartitionKey == partitionKey)) rows.Add(e);
        return rows;
    }

    // The loopback ACS checks the HMAC exactly as documented: a wrong string-to-sign answers 401.
    private static bool VerifyHmac(RecordedRequest request)
    {
        if (!request.Headers.TryGetValue("Authorization", out var auth) || !auth.StartsWith("HMAC-SHA256 ", StringComparison.Ordinal)) return false;
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(request.Body)));
        if (request.Headers["x-ms-content-sha256"] != hash) return false;
        var toSign = $"POST\n{request.PathAndQuery}\n{request.Headers["x-ms-date"]};{request.Headers["Host"]};{hash}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(AcsKey), Encoding.UTF8.GetBytes(toSign)));
        return auth == $"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}";
    }
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ConvoFunctions.App.Enrichment;
using ConvoFunctions.Cli;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Correlation;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Tests.Enrichment;

/// <summary>
/// The queue function end to end: webhooks ingested into real Azurite, delivered from the real queue to
/// <see cref="EnrichWebhookEventFunction"/>, which calls a real HTTP stand-in for the ElevenLabs API.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EnrichmentTests(AzuriteFixture azurite) : IAsyncLifetime
{
    internal const string ApiKey = "sk_test_enrich_5e1f0a93c2d84b7f";
    private const string RealId = "conv_sample_real_01";
    private const string BlankId = "conv_sample_blank_02";
    private const string TwilioKey = "CAaaaa1111bbbb2222cccc3333dddd4444";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1763996555);

    private readonly ManualTimeProvider _time = new(Now);
    private ElevenLabsStandIn _api = null!;

    public async Task InitializeAsync()
    {
        _api = await ElevenLabsStandIn.StartAsync(EnrichmentTests.ApiKey);
        await EnrichmentStorage.ResetAsync(azurite.Storage);
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Transcription_webhook_becomes_a_conversation_row_and_a_call_row_with_the_call_key()
    {
        _api.Add(Samples.RealConversation);
        await using var services = Services();
        await IngestAsync(services, Fixtures.Bytes(Fixtures.Transcription));

        Assert.Null(await DeliverAsync(services));

        var row = await ConversationAsync(RealId);
        Assert.Equal("api", row.GetString("Source"));
        Assert.Equal("agent_01jx7sample0000000000000", row.GetString("AgentId"));
        Assert.Equal("done", row.GetString("Status"));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763996400), row.GetDateTimeOffset("StartTime"));
        Assert.Equal(142, row.GetInt32("DurationSeconds"));
        Assert.Equal(10, row.GetInt32("MessageCount"));
        Assert.Equal("Call ended by remote party", row.GetString("TerminationReason"));
        Assert.True(row.GetBoolean("HasAudio"));
        Assert.True(row.GetBoolean("HasUserAudio"));
        Assert.True(row.GetBoolean("HasResponseAudio"));
        Assert.False(row.GetBoolean("IsBlank"));
        Assert.Equal(TwilioKey, row.GetString("CallKey"));
        Assert.Equal("twilio", row.GetString("Provider"));
        Assert.Equal("inbound", row.GetString("Direction"));
        Assert.Equal("CAaaaa1111bbbb2222cccc3333dddd4444", row.GetString("CallSid"));
        Assert.Equal("MZaaaa1111bbbb2222cccc3333dddd4444", row.GetString("StreamSid"));
        Assert.Equal("+442079460000", row.GetString("AgentNumber"));
        Assert.Equal("+447700900123", row.GetString("ExternalNumber"));
        Assert.Equal("CAaaaa1111bbbb2222cccc3333dddd4444", row.GetString("SystemCallSid"));
        Assert.Equal("+447700900123", row.GetString("SystemCallerId"));
        Assert.Equal("+442079460000", row.GetString("SystemCalledNumber"));

        var call = Assert.Single(await RowsAsync(StorageNames.CallsTable));
        Assert.Equal(TwilioKey, call.PartitionKey);
        Assert.Equal(RealId, call.RowKey);
        Assert.Equal("done", call.GetString("Status"));
        Assert.Equal("+447700900123", call.GetString("ExternalNumber"));

        var activity = Assert.Single(await RowsAsync(StorageNames.ActivityTable));
        Assert.Equal("2025112415", activity.PartitionKey);
        Assert.Equal(RealId, activity.RowKey);
        Assert.Equal(TwilioKey, activity.GetString("CallKey"));

        var request = Assert.Single(_api.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/v1/convai/conversations/" + RealId, request.PathAndQuery);
        Assert.Equal(ApiKey, request.Headers["xi-api-key"]);
        Assert.Empty((await azurite.Storage.Queue(StorageNames.WebhookEventsQueue).PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task The_same_message_processed_twice_leaves_the_same_rows()
    {
        _api.Add(Samples.RealConversation);
        await using var services = Services();
        var message = await IngestAsync(services, Fixtures.Bytes(Fixtures.Transcription));
        Assert.Null(await DeliverAsync(services));
        var first = await SnapshotAsync();

        // A redelivery (or a replay) is the same message again.
        await azurite.Storage.Queue(StorageNames.WebhookEventsQueue).SendMessageAsync(message.ToJson());
        _time.Advance(TimeSpan.FromHours(3));
        Assert.Null(await DeliverAsync(services));

        Assert.Equal(first, await SnapshotAsync());
        Assert.Equal(2, _api.Attempts(RealId));
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_waited_out_then_the_200_succeeds()
    {
        _api.Script(RealId, attempt => attempt == 1
            ? StandInAnswer.Error(429, "too_many_concurrent_requests", retryAfter: 1)
            : StandInAnswer.Ok(Samples.RealConversation));
        await using var services = Services();
        await IngestAsync(services, Fixtures.Bytes(Fixtures.Transcription));

        var stopwatch = Stopwatch.StartNew();
        Assert.Null(await DeliverAsync(services));

        // The base delay in these tests is 50 ms: only the header explains a second's wait.
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {stopwatch.Elapsed}");
        Assert.Equal(2, _api.Attempts(RealId));
        Assert.Equal("api", (await ConversationAsync(RealId)).GetString("Source"));
    }

    [Theory]
    [InlineData("{\"conversation_id\":\"conv_sample_real_01\",\"status\":")] // cut short: not JSON
    [InlineData("{\"conversation_id\":\"conv_sample_real_01\",\"metadata\":{\"start_time_unix_secs\":[1]}}")] // a field of another type
    public async Task An_answer_that_can_never_be_read_goes_to_the_poison_queue_on_its_first_delivery(string answer)
    {
        _api.Script(RealId, _ => StandInAnswer.Ok(answer));
        await using var services = Services();
        await IngestAsync(services, Fixtures.Bytes(Fixtures.Transcription));

        Assert.Null(await DeliverAsync(services)); // completed: no redelivery can fix it

        var poisoned = Assert.Single((await azurite.Storage.Queue(StorageNames.WebhookEventsPoisonQueue).PeekMessagesAsync(32)).Value);
        var envelope = JsonNode.Parse(poisoned.Body.ToString())!;
        Assert.StartsWith("JsonException", envelope["reason"]!.GetValue<string>());
        Assert.Equal(1, envelope["attempts"]!.GetValue<int>());
        Assert.Equal(1, _api.Attempts(RealId));
    }

    [Fact]
    public async Task Five_500s_put_the_message_in_the_poison_queue_and_convo_replay_brings_it_back()
    {
        _api.Script(RealId, _ => StandInAnswer.Error(500, "internal_error"));
        // No in-request retries: each delivery is one request, so five deliveries are five 500s.
        await using var services = Services(new() { [SettingNames.ElevenLabsRetryAttempts] = "0" });
        var message = await IngestAsync(services, Fixtures.Bytes(Fixtures.Transcription));

        for (var delivery = 1; delivery < QueueSettings.MaxDequeueCount; delivery++)
        {
            Assert.NotNull(await DeliverAsync(services));
        }
        Assert.Null(await DeliverAsync(services)); // the last delivery completes: it wrote the poison envelope

        Assert.Equal(5, _api.Attempts(RealId));
        Assert.All(_api.Requests, r => Assert.Equal("/v1/convai/conversations/" + RealId, r.PathAndQuery));
        Assert.Empty((await azurite.Storage.Queue(StorageNames.WebhookEventsQueue).PeekMessagesAsync(32)).Value);
        var poisoned = Assert.Single((await azurite.Storage.Queue(StorageNames.WebhookEventsPoisonQueue).PeekMessagesAsync(32)).Value);
        var envelope = JsonNode.Parse(poisoned.Body.ToString())!;
        Assert.Equal(RealId, envelope["message"]!["conversation_id"]!.GetValue<string>());
        Assert.Equal(message.Blob, envelope["message"]!["blob"]!.GetValue<string>());
        Assert.StartsWith("ElevenLabsApiException: ElevenLabs API answered 500", envelope["reason"]!.GetValue<string>());
        Assert.Equal(5, envelope["attempts"]!.GetValue<int>());
        Assert.Equal(Now, DateTimeOffset.Parse(envelope["failed_at"]!.GetValue<string>()));
        Assert.True(await azurite.Storage.Container(StorageNames.WebhookContainer).GetBlobClient(message.Blob).ExistsAsync());
        Assert.Null(await RowOrNullAsync(RealId));

        // The cause is fixed (the API answers the conversation); replay moves the original message back, and it is processed.
        _api.Script(RealId, _ => null);
        _api.Add(Samples.RealConversation);
        Assert.Equal(0, await ConvoCommand.Create().Parse(["replay", "--storage", azurite.ConnectionString]).InvokeAsync());

        Assert.Empty((await azurite.Storage.Queue(StorageNames.WebhookEventsPoisonQueue).PeekMessagesAsync(32)).Value);
        var replayed = Assert.Single((await azurite.Storage.Queue(StorageNames.WebhookEventsQueue).PeekMessagesAsync(32)).Value);
        Assert.Equal(message, WebhookEventMessage.Parse(replayed.Body.ToString()));
        Assert.Null(await DeliverAsync(services));
        Assert.Equal("done", (await ConversationAsync(RealId)).GetString("Status"));
    }

    [Fact]
    public async Task Replay_by_conversation_moves_only_its_messages_envelopes_and_bare_ones()
    {
        await using var services = Services();
        var poison = azurite.Storage.Queue(StorageNames.WebhookEventsPoisonQueue);
        var a = Message("conv_a");
        var b = Message("conv_b");
        var queue = services.GetRequiredService<PoisonQueue>();
        await queue.SendAsync(a.ToJson(), new HttpRequestException("boom"), 5, CancellationToken.None);
        await queue.SendAsync(b.ToJson(), new HttpRequestException("boom"), 5, CancellationToken.None);
        await poison.SendMessageAsync(a.ToJson()); // moved bare, by the host

        var first = await queue.ReplayAsync("conv_a", CancellationToken.None);
        Assert.Equal(new ReplayResult(2, 1), first);
        var requeued = (await azurite.Storage.Queue(StorageNames.WebhookEventsQueue).PeekMessagesAsync(32)).Value;
        Assert.Equal(2, requeued.Length);
        Assert.All(requeued, m => Assert.Equal(a, WebhookEventMessage.Parse(m.Body.ToString())));

        // What was left is visible again straight away.
        Assert.Equal(new ReplayResult(1, 0), await queue.ReplayAsync(null, CancellationToken.None));
        Assert.Empty((await poison.PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task A_404_completes_with_a_not_found_row()
    {
        await using var services = Services();
        await IngestAsync(services, Fixtures.Bytes(Fixtures.Transcription)); // the stand-in does not know it

        Assert.Null(await DeliverAsync(services));

        var row = await ConversationAsync(RealId);
        Assert.Equal("not_found", row.GetString("Source"));
        Assert.Equal("agent_01jx7sample0000000000000", row.GetString("AgentId"));
        Assert.Null(row.GetString("CallKey"));
        Assert.Equal(1, _api.Attempts(RealId));
        Assert.Empty((await azurite.Storage.Queue(StorageNames.WebhookEventsQueue).PeekMessagesAsync(32)).Value);
        Assert.Empty((await azurite.Storage.Queue(StorageNames.WebhookEventsPoisonQueue).PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task A_conversation_without_phone_metadata_is_stored_without_a_call_key()
    {
        const string id = "conv_web_widget_04";
        var conversation = Samples.Variant(id, Samples.WithoutPhone);
        _api.Add(conversation);
        await using var services = Services();
        await IngestAsync(services, Samples.TranscriptionWebhook(conversation));

        Assert.Null(await DeliverAsync(services));

        var row = await ConversationAsync(id);
        Assert.Null(row.GetString("CallKey"));
        Assert.Null(row.GetString("Provider"));
        Assert.Equal("done", row.GetString("Status"));
        Assert.Empty(await RowsAsync(StorageNames.CallsTable));
        var activity = Assert.Single(await RowsAsync(StorageNames.ActivityTable));
        Assert.Equal("", activity.GetString("CallKey"));
    }

    [Theory]
    [InlineData("sip_trunking", "sip_call_sid_1")]
    [InlineData("exotel", "exo_77_a_b_c")]
    public async Task Sip_and_exotel_conversations_get_provider_prefixed_call_keys(string type, string expectedKey)
    {
        const string id = "conv_provider_05";
        var phone = new JsonObject
        {
            ["type"] = type,
            ["direction"] = "inbound",
            ["agent_number"] = "+442079460000",
            ["external_number"] = "+447700900999",
            ["call_sid"] = type == "exotel" ? "exo_77/a#b?c" : "sip_call_sid_1",
            ["stream_sid"] = "stream_1",
        };
        if (type == "sip_trunking")
        {
            phone["call_id"] = "a84b4c76e66710@pc33.example.com";
            phone["sip_header_dynamic_variables"] = new JsonObject { ["X-Tenant"] = "t1" };
        }
        var conversation = Samples.Variant(id, Samples.WithPhone(phone));
        _api.Add(conversation);
        await using var services = Services();
        await IngestAsync(services, Samples.TranscriptionWebhook(conversation));

        Assert.Null(await DeliverAsync(services));

        Assert.Equal(expectedKey, (await ConversationAsync(id)).GetString("CallKey"));
        // A row under every telephony id: a sibling carrying only the SIP Call-ID (or only the call_sid) finds the call.
        var calls = await RowsAsync(StorageNames.CallsTable);
        Assert.Equal(type == "sip_trunking" ? [expectedKey, "a84b4c76e66710@pc33.example.com"] : [expectedKey],
            calls.Select(c => c.PartitionKey).OrderBy(k => k == expectedKey ? 0 : 1));
        Assert.All(calls, call => Assert.Equal(type, call.GetString("Provider")));
    }

    [Fact]
    public async Task An_initiation_failure_is_stored_with_its_reason_and_telephony_metadata()
    {
        await using var services = Services();
        await IngestAsync(services, Fixtures.Bytes(Fixtures.InitiationFailure)); // the API has no conversation for it

        Assert.Null(await DeliverAsync(services));

        var row = await ConversationAsync("conv_sample_failed_03");
        Assert.Equal("initiation_failure", row.GetString("Source"));
        Assert.Equal("no-answer", row.GetString("FailureReason"));
        Assert.Equal("twilio", row.GetString("Provider"));
        Assert.Equal("outbound", row.GetString("Direction"));
        Assert.Equal("CAeeee5555ffff6666aaaa7777bbbb8888", row.GetString("CallSid"));
        Assert.Equal("+442079460000", row.GetString("AgentNumber"));
        Assert.Equal("+447700900456", row.GetString("ExternalNumber"));
        Assert.Equal("CAeeee5555ffff6666aaaa7777bbbb8888", row.GetString("CallKey"));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763996420), row.GetDateTimeOffset("EventTime"));
        var call = Assert.Single(await RowsAsync(StorageNames.CallsTable));
        Assert.Equal("no-answer", call.GetString("FailureReason"));
        Assert.Single(await RowsAsync(StorageNames.ActivityTable));
    }

    [Fact]
    public async Task A_blank_conversation_is_told_apart_from_the_real_one_in_the_same_call()
    {
        _api.Add(Samples.RealConversation);
        _api.Add(Samples.BlankConversation);
        await using var services = Services();
        await IngestAsync(services, Fixtures.Bytes(Fixtures.Transcription));
        await IngestAsync(services, Samples.TranscriptionWebhook(Samples.BlankConversation, 1763996551));

        Assert.Null(await DeliverAsync(services));
        Assert.Null(await DeliverAsync(services));

        var blank = await ConversationAsync(BlankId);
        Assert.True(blank.GetBoolean("IsBlank"));
        Assert.Equal("initiated", blank.GetString("Status"));
        Assert.Equal(0, blank.GetInt32("MessageCount"));
        Assert.False(blank.GetBoolean("HasAudio"));
        Assert.False((await ConversationAsync(RealId)).GetBoolean("IsBlank"));

        // Both conversations of the call are one partition query.
        var repository = services.GetRequiredService<CorrelationRepository>();
        var call = await repository.GetCallAsync(TwilioKey, CancellationToken.None);
        Assert.Equal([BlankId, RealId], call.Select(r => r.RowKey).Order());
        Assert.Equal([true, false], call.OrderBy(r => r.RowKey).Select(r => r.IsBlank));
        var recent = await repository.GetActivityAsync(
            DateTimeOffset.FromUnixTimeSeconds(1763996400).AddMinutes(-10), DateTimeOffset.FromUnixTimeSeconds(1763996400).AddMinutes(10), CancellationToken.None);
        Assert.Equal(2, recent.Count);
    }

    [Fact]
    public async Task A_401_goes_to_the_poison_queue_after_the_retries_with_the_reason_and_no_key_anywhere()
    {
        // An API that echoes the key back in its error must not get it into our logs either.
        _api.Script(RealId, _ => new StandInAnswer(401, $$$"""{"detail":{"status":"invalid_api_key","message":"Invalid API key {{{ApiKey}}}"}}"""));
        await using var services = Services();
        await IngestAsync(services, Fixtures.Bytes(Fixtures.Transcription));

        for (var delivery = 1; delivery < QueueSettings.MaxDequeueCount; delivery++)
        {
            var error = await DeliverAsync(services);
            Assert.Contains("401", error!.Message);
        }
        Assert.Null(await DeliverAsync(services));

        Assert.Equal(5, _api.Attempts(RealId)); // a 401 is not retried within a delivery
        var poisoned = Assert.Single((await azurite.Storage.Queue(StorageNames.WebhookEventsPoisonQueue).PeekMessagesAsync(32)).Value);
        var reason = JsonNode.Parse(poisoned.Body.ToString())!["reason"]!.GetValue<string>();
        Assert.Contains("401 Unauthorized (invalid_api_key)", reason);
        Assert.Contains(SettingNames.ElevenLabsApiKey, reason);
        Assert.DoesNotContain(ApiKey, poisoned.Body.ToString());
        Assert.DoesNotContain(services.GetRequiredService<TestLog>().Lines, line => line.Contains(ApiKey, StringComparison.Ordinal));
        Assert.Contains(services.GetRequiredService<TestLog>().Lines, line => line.StartsWith("Critical:", StringComparison.Ordinal)
            && line.Contains("REJECTED THE API KEY (401)") && line.Contains(RealId));
    }

    [Fact]
    public async Task MaxConcurrency_bounds_the_concurrent_api_calls()
    {
        const int count = 8;
        await using var services = Services(new() { [SettingNames.ElevenLabsMaxConcurrency] = "2" });
        for (var i = 0; i < count; i++)
        {
            var id = $"conv_burst_{i}";
            var conversation = Samples.Variant(id, _ => { });
            _api.Script(id, _ => StandInAnswer.Ok(conversation, TimeSpan.FromMilliseconds(150)));
            await IngestAsync(services, Samples.TranscriptionWebhook(conversation));
        }

        var queue = azurite.Storage.Queue(StorageNames.WebhookEventsQueue);
        var messages = (await queue.ReceiveMessagesAsync(count, TimeSpan.FromMinutes(1))).Value;
        Assert.Equal(count, messages.Length);
        await Task.WhenAll(messages.Select(m => Task.Run(() => Function(services).Run(m, CancellationToken.None))));

        Assert.Equal(2, _api.PeakConcurrency);
        Assert.Equal(count, (await RowsAsync(StorageNames.ConversationsTable)).Count);
    }

    [Fact]
    public async Task An_older_read_landing_after_a_newer_one_changes_nothing()
    {
        var repository = new ConvoFunctions.Correlation.CorrelationRepository(azurite.Storage, StorageClock.Following(_time));
        var real = System.Text.Json.Nodes.JsonNode.Parse(Fixtures.Text(Fixtures.ConversationReal))!.AsObject();
        var early = real.DeepClone().AsObject();
        early["status"] = "in-progress";
        var newer = Samples.Facts(real, Now);
        var older = Samples.Facts(early, Now.AddSeconds(-30)); // a discovery read started before, written after

        Assert.True(await repository.UpsertAsync(newer, CancellationToken.None));
        Assert.False(await repository.UpsertAsync(older, CancellationToken.None));
        Assert.True(await repository.UpsertAsync(newer, CancellationToken.None)); // the same read again: a redelivery

        Assert.Equal("done", (await ConversationAsync(RealId)).GetString("Status"));
        Assert.All(await RowsAsync(StorageNames.CallsTable), row => Assert.Equal("done", row.GetString("Status")));
    }

    [Fact]
    public async Task Without_an_api_key_the_webhook_body_is_the_fallback()
    {
        await using var services = Services(new() { [SettingNames.ElevenLabsApiKey] = null });
        await IngestAsync(services, Fixtures.Bytes(Fixtures.Transcription));
        await IngestAsync(services, Fixtures.Bytes(Fixtures.Audio));

        Assert.Null(await DeliverAsync(services));
        Assert.Null(await DeliverAsync(services));

        Assert.Empty(_api.Requests);
        var row = await ConversationAsync(RealId);
        Assert.Equal("webhook", row.GetString("Source"));
        Assert.Equal(TwilioKey, row.GetString("CallKey"));
        Assert.Equal(10, row.GetInt32("MessageCount"));
        Assert.Single(await RowsAsync(StorageNames.ConversationsTable)); // the audio webhook carries no facts
    }

    [Fact]
    public async Task Without_an_api_key_an_unknown_type_whose_data_is_a_conversation_is_read_from_its_body()
    {
        await using var services = Services(new() { [SettingNames.ElevenLabsApiKey] = null });
        var transcription = System.Text.Json.Nodes.JsonNode.Parse(Fixtures.Text(Fixtures.Transcription))!;
        transcription["type"] = "post_call_transcription_unredacted";
        await IngestAsync(services, System.Text.Encoding.UTF8.GetBytes(transcription.ToJsonString()));

        Assert.Null(await DeliverAsync(services));

        var row = await ConversationAsync(RealId);
        Assert.Equal("webhook", row.GetString("Source"));
        Assert.Equal(TwilioKey, row.GetString("CallKey"));
    }

    private ServiceProvider Services(Dictionary<string, string?>? overrides = null)
    {
        var settings = EnrichmentStorage.Settings(_api.BaseAddress);
        foreach (var (key, value) in overrides ?? []) settings[key] = value;
        return TestServices.Create(azurite.ConnectionString, _time, settings);
    }

    private async Task<WebhookEventMessage> IngestAsync(IServiceProvider services, byte[] body)
    {
        var result = await services.GetRequiredService<WebhookIngestor>().IngestAsync(
            new MemoryStream(body), body.Length, WebhookSigner.Sign(body, TestServices.Secret, Now.ToUnixTimeSeconds()), CancellationToken.None);
        Assert.Equal(IngestStatus.Queued, result.Status);
        return result.Event!;
    }

    /// <summary>One delivery as the queue trigger makes it: completes (deleted) or throws (visible again, count + 1).</summary>
    private async Task<Exception?> DeliverAsync(IServiceProvider services)
    {
        var queue = azurite.Storage.Queue(StorageNames.WebhookEventsQueue);
        var message = (await queue.ReceiveMessageAsync(TimeSpan.FromMinutes(1))).Value
                      ?? throw new InvalidOperationException("No message to deliver.");
        try
        {
            await Function(services).Run(message, CancellationToken.None);
        }
        catch (Exception ex)
        {
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            return ex;
        }
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        return null;
    }

    private static EnrichWebhookEventFunction Function(IServiceProvider services) =>
        ActivatorUtilities.CreateInstance<EnrichWebhookEventFunction>(services);

    private static WebhookEventMessage Message(string conversationId) => new(
        WebhookEventTypes.PostCallTranscription, conversationId, "agent_x", 1763996550, $"2025/11/24/x/{conversationId}/0.json", new string('0', 64), Now);

    private async Task<TableEntity?> RowOrNullAsync(string conversationId)
    {
        var response = await azurite.Storage.Table(StorageNames.ConversationsTable).GetEntityIfExistsAsync<TableEntity>(conversationId, "");
        return response.HasValue ? response.Value : null;
    }

    private async Task<TableEntity> ConversationAsync(string conversationId) =>
        await RowOrNullAsync(conversationId) ?? throw new InvalidOperationException($"No conversation row for {conversationId}.");

    private Task<List<TableEntity>> RowsAsync(string table) => EnrichmentStorage.RowsAsync(azurite.Storage, table);

    /// <summary>Every row of the three tables, without the service's Timestamp and ETag.</summary>
    private async Task<string> SnapshotAsync()
    {
        var tables = new Dictionary<string, object>();
        foreach (var table in new[] { StorageNames.ConversationsTable, StorageNames.CallsTable, StorageNames.ActivityTable })
        {
            tables[table] = (await RowsAsync(table))
                // ReadAt is when the API was asked: a later reading is newer, everything it read is the same.
                .Select(row => row.Where(p => p.Key is not ("Timestamp" or "odata.etag" or "ReadAt")).OrderBy(p => p.Key, StringComparer.Ordinal)
                    .ToDictionary(p => p.Key, p => p.Value))
                .ToList();
        }
        return JsonSerializer.Serialize(tables);
    }
}

using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Correlation;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Storage;
using ConvoFunctions.Sweep;
using ConvoFunctions.Tests.Enrichment;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.Detection;

/// <summary>
/// The early check: the second conversation of a call recorded by enrichment queues a check of the call, which judges
/// and alerts it at once; the sweep that follows raises nothing more, and no API read is spent twice.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CallCheckTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const long RealStart = 1763996400;
    private readonly ManualTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(RealStart).AddMinutes(10));
    private ElevenLabsStandIn _api = null!;
    private LoopbackServer _teams = null!;

    public async Task InitializeAsync()
    {
        await EnrichmentStorage.ResetAsync(azurite.Storage);
        _api = await ElevenLabsStandIn.StartAsync(EnrichmentTests.ApiKey);
        _teams = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = 202;
            await context.Response.WriteAsync("");
        });
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _teams.DisposeAsync();
    }

    private ServiceProvider Services()
    {
        var settings = EnrichmentStorage.Settings(_api.BaseAddress);
        settings[SettingNames.AlertsTeamsWebhookUrl] = new Uri(_teams.BaseAddress, "workflows/invoke?sig=secret-sig").ToString();
        settings[SettingNames.DetectionWebhookHealthEnabled] = "false";
        return TestServices.Create(azurite.ConnectionString, _time, settings);
    }

    private async Task EnrichAsync(ServiceProvider services, string conversationId)
    {
        var message = new WebhookEventMessage(WebhookEventTypes.PostCallTranscription, conversationId, "agent_01jx7sample0000000000000",
            RealStart + 150, $"2025/11/24/post_call_transcription/{conversationId}/0.json", "0", _time.GetUtcNow());
        Assert.Equal(EnrichmentOutcome.Enriched, await services.GetRequiredService<EnrichmentProcessor>().HandleDeliveryAsync(message.ToJson(), 1, CancellationToken.None));
    }

    private async Task<List<string>> ChecksAsync()
    {
        var messages = (await azurite.Storage.Queue(StorageNames.CallChecksQueue).ReceiveMessagesAsync(32)).Value;
        return messages.Select(m => m.Body.ToString()).ToList();
    }

    [Fact]
    public async Task The_second_conversation_of_a_call_gets_it_alerted_at_once_and_the_next_sweep_raises_nothing_more()
    {
        _api.Add(Samples.RealConversation);
        _api.Add(Samples.BlankConversation);
        await using var services = Services();

        await EnrichAsync(services, "conv_sample_real_01");
        Assert.Empty(await ChecksAsync());
        await EnrichAsync(services, "conv_sample_blank_02");
        var check = Assert.Single(await ChecksAsync());

        var readsBefore = _api.Requests.Count;
        await services.GetRequiredService<CallCheck>().HandleAsync(check, CancellationToken.None);

        var post = Assert.Single(_teams.Requests, r => r.Method == "POST");
        Assert.Contains("conv_sample_blank_02", post.Body, StringComparison.Ordinal);
        // Both conversations were read by enrichment after they ended: the check reads the tables, not the API.
        Assert.Equal(readsBefore, _api.Requests.Count);

        var sweep = await services.GetRequiredService<DuplicateSweep>().RunAsync(CancellationToken.None);
        Assert.Single(sweep.Duplicates);
        Assert.Single(_teams.Requests, r => r.Method == "POST");
        Assert.Empty(await ChecksAsync());
    }

    [Fact]
    public async Task A_call_whose_twin_is_too_young_to_judge_is_checked_again_when_it_settles()
    {
        _api.Add(Samples.RealConversation);
        _api.Add(Samples.BlankConversation);
        await using var services = Services();
        // Read 30 s after the calls started: the blank twin is still "initiated" and could yet become real.
        _time.Now = DateTimeOffset.FromUnixTimeSeconds(RealStart).AddSeconds(30);
        await EnrichAsync(services, "conv_sample_real_01");
        await EnrichAsync(services, "conv_sample_blank_02");
        var check = Assert.Single(await ChecksAsync());

        await services.GetRequiredService<CallCheck>().HandleAsync(check, CancellationToken.None);

        Assert.DoesNotContain(_teams.Requests, r => r.Method == "POST");
        var waiting = Assert.Single(services.GetRequiredService<TestLog>().Lines, l => l.Contains("is judged again at", StringComparison.Ordinal));
        // The blank twin started at 14:59:59; settle delay 2 min.
        Assert.Contains("is judged again at 2025-11-24T15:01:59", waiting, StringComparison.Ordinal);
        // Queued again, invisible until then (Azurite keeps it back: the receive finds nothing yet).
        Assert.Empty(await ChecksAsync());
    }

    [Fact]
    public async Task An_unreadable_check_is_dropped_with_one_line_and_never_thrown()
    {
        await using var services = Services();

        await services.GetRequiredService<CallCheck>().HandleAsync("{not json", CancellationToken.None);
        await services.GetRequiredService<CallCheck>().HandleAsync("{\"conversation_id\":\"conv_x\"}", CancellationToken.None);

        Assert.Equal(2, services.GetRequiredService<TestLog>().Lines.Count(l => l.Contains("An unreadable call check was dropped", StringComparison.Ordinal)));
    }
}

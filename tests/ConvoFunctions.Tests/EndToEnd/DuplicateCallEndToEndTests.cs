using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Detection;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Enrichment;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using ConvoFunctions.Sweep;

namespace ConvoFunctions.Tests.EndToEnd;

/// <summary>
/// The user's report, through every production piece after ingest: two webhook events for one Twilio call (one real,
/// one blank conversation, a second apart) are enriched into the tables, and the sweep reads them back through the
/// <c>activity</c> table and sends one Teams card naming both conversations.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DuplicateCallEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const long RealStart = 1763996400;
    private ElevenLabsStandIn _api = null!;
    private LoopbackServer _teams = null!;

    public async Task InitializeAsync()
    {
        await EnrichmentStorage.ResetAsync(azurite.Storage);
        var alerts = azurite.Storage.Table(StorageNames.AlertsTable);
        await foreach (var e in alerts.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"])) await alerts.DeleteEntityAsync(e.PartitionKey, e.RowKey);
        _api = await ElevenLabsStandIn.StartAsync(EnrichmentTests.ApiKey);
        _teams = await LoopbackServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 202;
            return Task.CompletedTask;
        });
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _teams.DisposeAsync();
    }

    [Fact]
    public async Task Real_and_blank_conversation_of_one_call_become_one_Teams_alert()
    {
        _api.Add(Samples.RealConversation);
        _api.Add(Samples.BlankConversation);
        var settings = EnrichmentStorage.Settings(_api.BaseAddress);
        settings[SettingNames.AlertsTeamsWebhookUrl] = new Uri(_teams.BaseAddress, "workflows/invoke?sig=secret-sig").ToString();
        settings[SettingNames.DetectionWebhookHealthEnabled] = "false";
        settings[SettingNames.DetectionDiscoveryEnabled] = "false";
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(RealStart).AddMinutes(10));
        await using var services = TestServices.Create(azurite.ConnectionString, time, settings);
        var processor = services.GetRequiredService<EnrichmentProcessor>();

        foreach (var id in new[] { "conv_sample_real_01", "conv_sample_blank_02" })
        {
            var message = new WebhookEventMessage(WebhookEventTypes.PostCallTranscription, id, "agent_01jx7sample0000000000000",
                RealStart + 150, $"2025/11/24/post_call_transcription/{id}/0.json", "0", time.GetUtcNow());
            Assert.Equal(EnrichmentOutcome.Enriched, await processor.HandleDeliveryAsync(message.ToJson(), 1, CancellationToken.None));
        }
        var sweep = services.GetRequiredService<DuplicateSweep>();

        var first = await sweep.RunAsync(CancellationToken.None);
        var second = await sweep.RunAsync(CancellationToken.None);

        var group = Assert.Single(first.Duplicates);
        Assert.Equal("CAaaaa1111bbbb2222cccc3333dddd4444", group.Key);
        Assert.Equal(Verdict.RealPlusBlank, group.Verdict);
        Assert.Single(second.Duplicates);
        var post = Assert.Single(_teams.Requests, r => r.Method == "POST");
        Assert.Contains("conv_sample_real_01", post.Body);
        Assert.Contains("conv_sample_blank_02", post.Body);
        Assert.DoesNotContain("+447700900123", post.Body);
        Assert.Equal("message", (string?)JsonNode.Parse(post.Body)!["type"]);
    }
}

using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ConvoFunctions.App;
using ConvoFunctions.Cli;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Tests.Enrichment;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Tests.Cli;

/// <summary>
/// A new user's storm through <c>convo serve</c>: 30 calls of one agent in half an hour, each with a blank twin, reach
/// Teams as a few posts instead of 30, while a lone duplicate of another agent is still posted on its own; <c>convo
/// calls</c> lists every conversation with its incident. Real HTTP, queue poller, sweep timer and Azurite.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class IncidentServeTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Storm = "agent_storm_0000000000000000";
    private const string Lone = "agent_lone_00000000000000000";
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

    [Fact]
    public async Task Thirty_duplicate_calls_of_one_agent_reach_Teams_as_at_most_six_posts_and_convo_calls_lists_every_conversation_with_its_incident()
    {
        var values = EnrichmentStorage.Settings(_api.BaseAddress);
        values[SettingNames.ElevenLabsWebhookSecret] = TestServices.Secret;
        values[SettingNames.AlertsTeamsWebhookUrl] = new Uri(_teams.BaseAddress, "workflows/invoke?sig=teams-secret-sig").ToString();
        values[SettingNames.AlertsRollupInterval] = "00:00:20";
        values[SettingNames.DetectionSchedule] = "*/5 * * * * *";
        values[SettingNames.DetectionDiscoveryEnabled] = "false";
        values[SettingNames.DetectionWebhookHealthEnabled] = "false";
        await using var app = LocalFunctionsHost.Build(new ConfigurationBuilder().AddInMemoryCollection(values).Build(),
            azurite.ConnectionString, new Uri("http://127.0.0.1:0"), LogLevel.Warning);
        await LocalFunctionsHost.EnsureStorageAsync(app, CancellationToken.None);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var now = DateTimeOffset.UtcNow;
        var calls = Enumerable.Range(0, 30).Select(i => (Agent: Storm, Sid: $"CAstorm{i:D2}{Guid.NewGuid():N}"[..34], Start: now.AddMinutes(-32 + i)))
            .Append((Agent: Lone, Sid: $"CAlone{Guid.NewGuid():N}"[..34], Start: now.AddMinutes(-15)))
            .ToList();
        foreach (var (agent, sid, start) in calls)
        {
            await SendAsync(http, Conversation(Samples.RealJson(), $"conv_{sid}_real", agent, sid, start));
            await SendAsync(http, Conversation(Samples.BlankJson(), $"conv_{sid}_blank", agent, sid, start.AddSeconds(-1)));
        }

        // Awaited, not slept: the roll-up counting all thirty comes at least 20 s after the incident opened.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(120);
        while (!(Posts(Storm).Any(p => Title(p).Contains("30 calls", StringComparison.Ordinal)) && Posts(Lone).Count > 0) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        await app.StopAsync();

        var storm = Posts(Storm);
        Assert.InRange(storm.Count, 4, 6);
        Assert.Contains("30 calls", Title(storm[^1]));
        Assert.Equal(3, storm.Count(p => Title(p).StartsWith("One call produced", StringComparison.Ordinal)));
        Assert.StartsWith("One call produced 2 conversations", Title(Assert.Single(Posts(Lone))));

        using var output = new StringWriter();
        Assert.Equal(0, await CallsCommand.RunAsync(azurite.Storage, TimeSpan.FromHours(1), "json", TimeProvider.System, output, CancellationToken.None));
        var listed = JsonNode.Parse(output.ToString())!.AsArray();
        Assert.Equal(62, listed.Sum(c => c!["conversations"]!.AsArray().Count));
        var stormCalls = listed.Where(c => (string?)c!["agent_id"] == Storm).ToList();
        Assert.Equal(30, stormCalls.Count);
        Assert.All(stormCalls, c => Assert.Equal($"{Storm}~RealPlusBlank~same-source", (string?)c!["incident"]!["key"]));
        Assert.Equal(27, stormCalls.Count(c => (bool)c!["incident"]!["folded"]!));
        Assert.All(stormCalls, c => Assert.Equal(30, (int)c!["incident"]!["calls"]!));
        Assert.Null(listed.Single(c => (string?)c!["agent_id"] == Lone)!["incident"]);

        // The other formats show it too: a column per call, and in the table the incident itself.
        var incident = $"{Storm}~RealPlusBlank~same-source";
        var table = await CallsAsync("table");
        Assert.Contains("open #1, folded", table, StringComparison.Ordinal);
        Assert.Contains("incidents", table, StringComparison.Ordinal);
        var csv = (await CallsAsync("csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",incident", csv[0].TrimEnd('\r'));
        Assert.Equal(60, csv.Count(l => l.Contains($"{incident} (open #1", StringComparison.Ordinal)));
        var html = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await CallsAsync("html"));
        Assert.Equal(30, html.QuerySelectorAll("table#groups tbody tr").Count(r => r.TextContent.Contains(incident, StringComparison.Ordinal)));
    }

    private async Task<string> CallsAsync(string format)
    {
        using var output = new StringWriter();
        Assert.Equal(0, await CallsCommand.RunAsync(azurite.Storage, TimeSpan.FromHours(1), format, TimeProvider.System, output, CancellationToken.None));
        return output.ToString();
    }

    private List<RecordedRequest> Posts(string agent) =>
        _teams.Requests.Where(r => r.Method == "POST" && r.Body.Contains(agent, StringComparison.Ordinal)).ToList();

    private static string Title(RecordedRequest post) =>
        (string)JsonNode.Parse(post.Body)!["attachments"]![0]!["content"]!["body"]![0]!["text"]!;

    private JsonObject Conversation(JsonObject json, string id, string agent, string sid, DateTimeOffset start)
    {
        var conversation = Samples.Variant(json, id, start.ToUnixTimeSeconds(), sid);
        conversation["agent_id"] = agent;
        _api.Add(conversation);
        return conversation;
    }

    private static async Task SendAsync(HttpClient http, JsonObject conversation)
    {
        var body = Samples.TranscriptionWebhook(conversation.ToJsonString(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Routes.Prefix}/{Routes.ElevenLabsWebhook}") { Content = content };
        request.Headers.TryAddWithoutValidation(SignatureHeader.Name, WebhookSigner.Sign(body, TestServices.Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        using var response = await http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
    }
}

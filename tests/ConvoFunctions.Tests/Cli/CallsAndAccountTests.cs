using System.Text.Json.Nodes;
using Azure.Identity;
using ConvoFunctions.Alerts;
using ConvoFunctions.Cli;
using ConvoFunctions.Correlation;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Cli;

/// <summary><c>convo calls</c> against Azurite, and the <c>--account</c> (Entra ID) path of calls and replay.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CallsAndAccountTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Calls_lists_recorded_calls_with_conversations_verdicts_and_alert_states()
    {
        // An hour of its own, far from other tests' data, read with a clock set just after it.
        var start = new DateTimeOffset(2031, 3, 4, Random.Shared.Next(0, 24), 10, 0, TimeSpan.Zero);
        var key = $"CA{Guid.NewGuid():N}";
        var activity = azurite.Storage.Table(StorageNames.ActivityTable);
        await activity.UpsertEntityAsync(Row(key, $"conv_real_{Guid.NewGuid():N}", start, "done", 95, 12, true));
        await activity.UpsertEntityAsync(Row(key, $"conv_blank_{Guid.NewGuid():N}", start.AddSeconds(3), "initiated", 0, 0, false));
        await activity.UpsertEntityAsync(Row($"CA{Guid.NewGuid():N}", $"conv_single_{Guid.NewGuid():N}", start.AddMinutes(5), "done", 40, 6, true));
        await new AlertLedger(azurite.Storage).OpenAsync(key, "0002", "{}", [("teams", true), ("email", false)], suppressIfHigherExists: false, CancellationToken.None);
        var clock = new ManualTimeProvider(start.AddMinutes(30));

        var table = new StringWriter();
        var json = new StringWriter();
        var csv = new StringWriter();
        Assert.Equal(0, await CallsCommand.RunAsync(azurite.Storage, TimeSpan.FromHours(1), "table", clock, table, CancellationToken.None));
        Assert.Equal(0, await CallsCommand.RunAsync(azurite.Storage, TimeSpan.FromHours(1), "json", clock, json, CancellationToken.None));
        Assert.Equal(0, await CallsCommand.RunAsync(azurite.Storage, TimeSpan.FromHours(1), "csv", clock, csv, CancellationToken.None));
        var html = new StringWriter();
        Assert.Equal(0, await CallsCommand.RunAsync(azurite.Storage, TimeSpan.FromHours(1), "html", clock, html, CancellationToken.None));

        var calls = JsonNode.Parse(json.ToString())!.AsArray();
        var duplicate = Assert.Single(calls, c => (string?)c!["call_key"] == key)!;
        Assert.Equal("real + blank", (string?)duplicate["verdict"]);
        Assert.Equal(2, duplicate["conversations"]!.AsArray().Count);
        Assert.Equal("+44******0123", (string?)duplicate["caller"]);
        var alert = Assert.Single(duplicate["alerts"]!.AsArray())!;
        Assert.Equal("pending", (string?)alert["channels"]!["teams"]);
        Assert.Equal("disabled", (string?)alert["channels"]!["email"]);
        Assert.Contains(calls, c => (string?)c!["verdict"] == "single");

        var keyRow = Assert.Single(table.ToString().Split('\n'), line => line.Contains(key, StringComparison.Ordinal));
        Assert.Contains("real + blank", keyRow, StringComparison.Ordinal);
        Assert.Contains("0002: teams pending, email disabled", keyRow, StringComparison.Ordinal);

        // The HTML report holds the duplicate call only (one table row), parsed rather than searched.
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html.ToString());
        var groupRow = Assert.Single(document.QuerySelectorAll("table#groups tbody tr"));
        Assert.Contains("real + blank", groupRow.TextContent, StringComparison.Ordinal);
        Assert.Empty(document.QuerySelectorAll("script"));
        Assert.Equal(1 + 3, csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("call_key,verdict,agent_id,caller,alerts,conversation_id,start_time_utc,status,duration_secs,has_audio,messages,blank,source,incident",
            csv.ToString().Split('\n')[0].TrimEnd('\r'));
        // Callers are masked in every format.
        Assert.DoesNotContain("+447700900123", table + json.ToString() + csv + html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_verb_reads_Azurite_with_storage()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, await ConvoCommand.Create().Parse(["calls", "--storage", azurite.ConnectionString, "--since", "2h", "--format", "json"]).InvokeAsync());
        }
        finally
        {
            Console.SetOut(original);
        }
        Assert.IsType<JsonArray>(JsonNode.Parse(output.ToString()));
    }

    [Fact]
    public void Account_builds_service_uris_and_signs_in_with_DefaultAzureCredential()
    {
        var account = StorageTarget.Resolve(storage: null, account: "stconvo0123", settingsFile: "no-such-local.settings.json");

        Assert.IsType<DefaultAzureCredential>(account.Credential);
        Assert.Equal(new Uri("https://stconvo0123.blob.core.windows.net/"), account.Blobs.Uri);
        Assert.Equal(new Uri("https://stconvo0123.queue.core.windows.net/"), account.Queues.Uri);
        Assert.Equal(new Uri("https://stconvo0123.table.core.windows.net/"), account.Tables.Uri);
        Assert.Equal("stconvo0123", account.Tables.AccountName);
    }

    [Theory]
    [InlineData("calls")]
    [InlineData("replay")]
    public void Storage_and_account_together_are_a_usage_error(string verb)
    {
        var parse = ConvoCommand.Create().Parse([verb, "--storage", "UseDevelopmentStorage=true", "--account", "stconvo0123"]);
        Assert.Contains(parse.Errors, e => e.Message.Contains("either --storage or --account", StringComparison.Ordinal));
        Assert.Empty(ConvoCommand.Create().Parse([verb, "--account", "stconvo0123"]).Errors);
    }

    private static ActivityRow Row(string callKey, string conversationId, DateTimeOffset start, string status, int duration, int messages, bool audio) => new()
    {
        PartitionKey = ActivityBuckets.For(start),
        RowKey = conversationId,
        StartTime = start,
        CallKey = callKey,
        AgentId = "agent_calls_test",
        ExternalNumber = "+447700900123",
        Direction = "inbound",
        Status = status,
        Provider = "twilio",
        DurationSeconds = duration,
        MessageCount = messages,
        HasAudio = audio,
        IsBlank = !audio && messages == 0,
        Source = "api",
    };
}

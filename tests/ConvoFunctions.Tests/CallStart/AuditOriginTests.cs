using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.CallStart;

/// <summary><c>convo audit</c> shows how each conversation was opened (issue 12, item 5), over the demo's loopback API.</summary>
public sealed class AuditOriginTests : IAsyncLifetime
{
    private const string ApiKey = "xi_audit_origin_test";
    private readonly string _folder = Directory.CreateTempSubdirectory("convo-audit-origin-").FullName;
    private ElevenLabsStandIn _api = null!;
    private string _settings = null!;

    public async Task InitializeAsync()
    {
        _api = await ElevenLabsStandIn.StartAsync(ApiKey);
        var start = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds();
        _api.Add(Conversation(Fixtures.ConversationReal, "conv_origin_real", start, "twilio", null, "public"));
        _api.Add(Conversation(Fixtures.ConversationBlank, "conv_origin_blank", start + 1, "js_sdk", "2.3.0", "signed_url"));
        _settings = Path.Combine(_folder, "local.settings.json");
        await File.WriteAllTextAsync(_settings, JsonSerializer.Serialize(new { Values = new Dictionary<string, string> { ["ElevenLabs__ApiKey"] = ApiKey } }));
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Json_csv_and_table_show_each_conversations_initiation_source_version_and_authorization()
    {
        var json = new StringWriter();
        await AuditCommand.RunAsync("1d", null, "json", _api.BaseAddress, _settings, json, new StringWriter(), CancellationToken.None);
        var conversations = JsonNode.Parse(json.ToString())!["groups"]![0]!["conversations"]!.AsArray();
        var blank = conversations.Single(c => (string?)c!["conversation_id"] == "conv_origin_blank")!;
        Assert.Equal("js_sdk", (string?)blank["initiation_source"]);
        Assert.Equal("2.3.0", (string?)blank["initiation_source_version"]);
        Assert.Equal("signed_url", (string?)blank["authorization_method"]);
        var real = conversations.Single(c => (string?)c!["conversation_id"] == "conv_origin_real")!;
        Assert.Equal("twilio", (string?)real["initiation_source"]);
        Assert.Equal("public", (string?)real["authorization_method"]);

        var csv = new StringWriter();
        await AuditCommand.RunAsync("1d", null, "csv", _api.BaseAddress, _settings, csv, new StringWriter(), CancellationToken.None);
        Assert.Contains(csv.ToString().Split("\r\n"), l => l.Contains("conv_origin_blank", StringComparison.Ordinal) && l.EndsWith(",js_sdk 2.3.0 (signed_url)", StringComparison.Ordinal));

        var table = new StringWriter();
        await AuditCommand.RunAsync("1d", null, "table", _api.BaseAddress, _settings, table, new StringWriter(), CancellationToken.None);
        Assert.Contains("twilio (public)", table.ToString());
    }

    private static JsonObject Conversation(string fixture, string id, long start, string source, string? version, string authorization)
    {
        var json = JsonNode.Parse(Fixtures.Text(fixture))!.AsObject();
        json["conversation_id"] = id;
        json["metadata"]!["start_time_unix_secs"] = start;
        json["metadata"]!["conversation_initiation_source"] = source;
        json["metadata"]!["conversation_initiation_source_version"] = version;
        json["metadata"]!["authorization_method"] = authorization;
        return json;
    }
}

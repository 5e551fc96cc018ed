using ConvoFunctions.Storage;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Correlation;
using ConvoFunctions.Initiation;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConvoFunctions.Tests.Cli;

/// <summary>
/// <c>convo explain</c> against the loopback ElevenLabs API: given one conversation id it finds the rest of the call
/// through the list endpoint, and shows support's checklist for each conversation, the verdict, the likely cause and
/// the support report. Each test seeds its own call.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ExplainCommandTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const long Start = 1763996400;
    private readonly string _sid = "CA" + Guid.NewGuid().ToString("N");
    private ElevenLabsStandIn _api = null!;
    private string _settings = null!;

    public async Task InitializeAsync()
    {
        _api = await ElevenLabsStandIn.StartAsync(Samples.ApiKey);
        _api.PageSize = 2; // the search pages by cursor
        _settings = Path.Combine(Path.GetTempPath(), $"convo-explain-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(_settings, new JsonObject
        {
            ["Values"] = new JsonObject { ["ElevenLabs__ApiKey"] = Samples.ApiKey },
        }.ToJsonString());
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        File.Delete(_settings);
    }

    /// <summary>The reported shape: a real conversation and, a second earlier, a blank one stuck in <c>initiated</c>.</summary>
    private void AddCallWithBlankSibling()
    {
        _api.Add(Samples.Variant(Samples.RealJson(), "conv_real", Start, _sid));
        _api.Add(Samples.Variant(Samples.BlankJson(), "conv_blank", Start - 1, _sid));
        // Neighbours that are not the call: another call of the agent, and a widget visit (never read in detail).
        _api.Add(Samples.Variant(Samples.RealJson(), "conv_next_call", Start + 30, "CA" + Guid.NewGuid().ToString("N")));
        _api.Add(Samples.Session("conv_widget", Start + 2, "widget"));
    }

    private async Task<(int Code, string Stdout, string Stderr)> ExplainAsync(string format, params string[] ids)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = await ExplainCommand.RunAsync(ids, format, _api.BaseAddress, _settings, null, stdout, stderr, TimeProvider.System, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task The_real_id_alone_finds_the_blank_sibling_through_the_list_endpoint_and_exits_3()
    {
        AddCallWithBlankSibling();

        var (code, stdout, _) = await ExplainAsync("text", "conv_real");

        Assert.Equal(3, code);
        Assert.Contains($"Call {_sid}: 2 conversations (real + blank)", stdout);
        var header = Assert.Single(stdout.Split('\n'), line => line.Contains("conv_real") && line.Contains("conv_blank"));
        Assert.True(header.IndexOf("conv_blank", StringComparison.Ordinal) < header.IndexOf("conv_real", StringComparison.Ordinal), "oldest first");
        Assert.Matches(@"status\s+initiated\s+done", stdout);
        Assert.Matches(@"start \(unix\)\s+1763996399\s+1763996400", stdout);
        Assert.Matches(@"accepted \(UTC\)\s+never accepted\s+2025-11-24 15:00:00 UTC", stdout);
        Assert.Matches(@"has_user_audio\s+false\s+true", stdout);
        Assert.Matches(@"has_response_audio\s+false\s+true", stdout);
        Assert.Matches(@"user messages\s+0\s+\d+", stdout);
        Assert.Matches(@"authorization\s+signed_url\s+signed_url", stdout);
        Assert.Contains("Likely cause:", stdout);
        Assert.Contains("Subject: One phone call produced 2 conversations", stdout);
        Assert.DoesNotContain("447700900123", stdout);
        // Found through the list endpoint: the agent's conversations around the call, paged; the widget visit is never read.
        Assert.Contains(_api.Requests, r => r.PathAndQuery.StartsWith("/v1/convai/conversations?", StringComparison.Ordinal)
                                            && r.PathAndQuery.Contains("agent_id=agent_01jx7sample0000000000000", StringComparison.Ordinal));
        Assert.Contains(_api.Requests, r => r.PathAndQuery.Contains("cursor=", StringComparison.Ordinal));
        Assert.Equal(1, _api.Attempts("conv_blank"));
        Assert.Equal(0, _api.Attempts("conv_widget"));
    }

    [Fact]
    public async Task The_convo_process_explains_and_exits_3_without_showing_the_key()
    {
        AddCallWithBlankSibling();
        await using var process = ConvoProcess.Start(["explain", "conv_real", "--base-url", _api.BaseAddress.ToString(), "--format", "json"],
            new Dictionary<string, string> { ["ElevenLabs__ApiKey"] = Samples.ApiKey });

        var run = await process.WaitAsync();

        Assert.Equal(3, run.ExitCode);
        Assert.Equal(2, JsonDocument.Parse(run.Stdout).RootElement.GetProperty("calls")[0].GetProperty("conversations").GetArrayLength());
        Assert.DoesNotContain(Samples.ApiKey, run.All);
    }

    [Fact]
    public async Task Json_holds_both_conversations_with_the_checklist()
    {
        AddCallWithBlankSibling();

        var (code, stdout, _) = await ExplainAsync("json", "conv_real");

        Assert.Equal(3, code);
        var call = Assert.Single(JsonDocument.Parse(stdout).RootElement.GetProperty("calls").EnumerateArray().ToList());
        Assert.Equal(_sid, call.GetProperty("call_key").GetString());
        Assert.Equal("real + blank", call.GetProperty("verdict").GetString());
        Assert.Equal("+44******0123", call.GetProperty("caller").GetString());
        var conversations = call.GetProperty("conversations").EnumerateArray().ToList();
        Assert.Equal(["conv_blank", "conv_real"], conversations.Select(c => c.GetProperty("conversation_id").GetString()));
        var blank = conversations[0];
        Assert.Equal("initiated", blank.GetProperty("status").GetString());
        Assert.True(blank.GetProperty("blank").GetBoolean());
        Assert.Equal(1763996399, blank.GetProperty("start_time_unix_secs").GetInt64());
        Assert.Equal(JsonValueKind.Null, blank.GetProperty("accepted_time").ValueKind);
        Assert.False(blank.GetProperty("has_user_audio").GetBoolean());
        Assert.False(blank.GetProperty("has_auxiliary_audio").GetBoolean());
        Assert.Equal(0, blank.GetProperty("agent_messages").GetInt32());
        var real = conversations[1];
        Assert.Equal("done", real.GetProperty("status").GetString());
        Assert.Equal(1763996400, real.GetProperty("accepted_time_unix_secs").GetInt64());
        Assert.True(real.GetProperty("has_response_audio").GetBoolean());
        Assert.True(real.GetProperty("agent_messages").GetInt32() > 0);
        Assert.Equal("twilio", real.GetProperty("provider").GetString());
        Assert.Equal("signed_url", real.GetProperty("authorization_method").GetString());
        Assert.StartsWith("Likely cause:", call.GetProperty("likely_cause").GetString());
        Assert.Contains("conv_blank", call.GetProperty("support_report").GetString());
        Assert.Equal(JsonValueKind.Null, call.GetProperty("initiation_requests").ValueKind);
    }

    [Fact]
    public async Task Markdown_puts_the_conversations_side_by_side()
    {
        AddCallWithBlankSibling();

        var (code, stdout, _) = await ExplainAsync("md", "conv_blank");

        Assert.Equal(3, code);
        Assert.Contains("|  | conv_blank | conv_real |", stdout);
        Assert.Contains("| status | initiated | done |", stdout);
        Assert.Contains("```text", stdout);
    }

    [Fact]
    public async Task A_call_with_one_conversation_exits_0_without_a_support_report()
    {
        _api.Add(Samples.Variant(Samples.RealJson(), "conv_alone", Start, _sid));

        var (code, stdout, _) = await ExplainAsync("text", "conv_alone");

        Assert.Equal(0, code);
        Assert.Contains($"Call {_sid}: 1 conversation", stdout);
        Assert.Contains("Verdict: single", stdout);
        Assert.DoesNotContain("Support report", stdout);
        Assert.DoesNotContain("Likely cause", stdout);
    }

    [Fact]
    public async Task Two_ids_of_different_calls_are_explained_each_on_its_own_and_said_so()
    {
        _api.Add(Samples.Variant(Samples.RealJson(), "conv_first", Start, _sid));
        _api.Add(Samples.Variant(Samples.RealJson(), "conv_other", Start + 30, "CA" + Guid.NewGuid().ToString("N")));

        var (code, stdout, stderr) = await ExplainAsync("text", "conv_first", "conv_other");

        Assert.Equal(0, code);
        Assert.Contains("[explain] the ids given belong to 2 different calls by the sweep's rules", stderr);
        Assert.Equal(2, stdout.Split('\n').Count(line => line.StartsWith("Call CA", StringComparison.Ordinal) && line.EndsWith(": 1 conversation", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_unknown_id_is_named_and_exits_2()
    {
        var (code, stdout, stderr) = await ExplainAsync("text", "conv_missing");

        Assert.Equal(2, code);
        Assert.Contains("conv_missing: ElevenLabs has no such conversation (404)", stderr);
        Assert.Contains("conv_missing: not found.", stdout);
    }

    [Fact]
    public async Task Without_an_api_key_it_names_the_setting_and_exits_2()
    {
        await File.WriteAllTextAsync(_settings, """{"Values":{}}""");
        var (code, _, stderr) = await ExplainAsync("text", "conv_real");

        Assert.Equal(2, code);
        Assert.Contains("ElevenLabs__ApiKey", stderr);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task With_storage_it_adds_the_calls_recorded_initiation_requests()
    {
        AddCallWithBlankSibling();
        var store = new InitiationStore(azurite.Storage,
            new InitiationChanges(new CorrelationRepository(azurite.Storage, StorageClock.FromAnswers(TimeProvider.System)), TimeProvider.System, NullLogger<InitiationChanges>.Instance));
        var first = DateTimeOffset.FromUnixTimeMilliseconds(Start * 1000 - 3000);
        foreach (var at in new[] { first, first.AddMilliseconds(1200) })
        {
            await store.AddAsync(new InitiationRecord(_sid, Guid.NewGuid().ToString("N"), at, "agent_01jx7sample0000000000000", "+447700900123",
                "+442079460000", _sid, null), CancellationToken.None);
        }
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var code = await ExplainCommand.RunAsync(["conv_real"], "json", _api.BaseAddress, _settings, azurite.Storage, stdout, stderr,
            TimeProvider.System, CancellationToken.None);

        Assert.Equal(3, code);
        var call = JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("calls")[0];
        var requests = call.GetProperty("initiation_requests").EnumerateArray().ToList();
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal("+44******0123", r.GetProperty("caller").GetString()));
        // Two call-start requests are the evidence the likely cause names.
        Assert.Contains("2 initiation requests at 2025-11-24 14:59:57.000, 2025-11-24 14:59:58.200 UTC", call.GetProperty("likely_cause").GetString());
        Assert.Contains("Call start:  2 initiation requests", call.GetProperty("support_report").GetString());
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Detection;

/// <summary><c>convo audit</c> against the loopback ElevenLabs API: no Azure involved.</summary>
public sealed class AuditCommandTests : IAsyncLifetime
{
    private ElevenLabsStandIn _api = null!;
    private string _settings = null!;

    public async Task InitializeAsync()
    {
        _api = await ElevenLabsStandIn.StartAsync(Samples.ApiKey);
        _api.PageSize = 2; // forces cursor paging
        _settings = Path.Combine(Path.GetTempPath(), $"convo-audit-{Guid.NewGuid():N}.json");
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

    private void AddHistory(bool withDuplicate)
    {
        var t = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();
        _api.Add(Samples.Variant(Samples.RealJson(), "conv_real", t, "CAdup"));
        if (withDuplicate) _api.Add(Samples.Variant(Samples.BlankJson(), "conv_blank", t - 1, "CAdup"));
        _api.Add(Samples.Variant(Samples.RealJson(), "conv_other_call", t + 600, "CAother"));
        _api.Add(Samples.Variant(Samples.RealJson(), "conv_old", t - 7200, "CAold"));
        _api.Add(Samples.Variant(Samples.RealJson(), "conv_too_old", t - 3 * 86400, "CAtooold"));
    }

    [Fact]
    public async Task Duplicates_are_printed_and_exit_code_is_3()
    {
        AddHistory(withDuplicate: true);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var code = await AuditCommand.RunAsync("24h", null, "json", _api.BaseAddress, _settings, stdout, stderr, CancellationToken.None);

        Assert.Equal(3, code);
        var json = JsonDocument.Parse(stdout.ToString()).RootElement;
        Assert.Equal(4, json.GetProperty("listed").GetInt32());
        Assert.Equal(2, json.GetProperty("details_fetched").GetInt32());
        var group = Assert.Single(json.GetProperty("groups").EnumerateArray().ToList());
        Assert.Equal("CAdup", group.GetProperty("call_key").GetString());
        Assert.Equal("real + blank", group.GetProperty("verdict").GetString());
        Assert.Equal(["conv_blank", "conv_real"], group.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("conversation_id").GetString()));
        Assert.DoesNotContain("447700900123", stdout.ToString());
        Assert.Contains("[audit] listed 4 conversations", stderr.ToString());
        // Only the two neighbours were fetched in detail; the list was paged by cursor.
        Assert.Equal(2, _api.Requests.Count(r => r.PathAndQuery.StartsWith("/v1/convai/conversations/", StringComparison.Ordinal)));
        Assert.Contains(_api.Requests, r => r.PathAndQuery.Contains("cursor=2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("table")]
    [InlineData("csv")]
    public async Task Table_and_csv_list_the_group(string format)
    {
        AddHistory(withDuplicate: true);
        var stdout = new StringWriter();
        var code = await AuditCommand.RunAsync("1d", "agent_01jx7sample0000000000000", format, _api.BaseAddress, _settings, stdout, new StringWriter(), CancellationToken.None);
        Assert.Equal(3, code);
        Assert.Contains("conv_blank", stdout.ToString());
        Assert.Contains("real + blank", stdout.ToString());
        Assert.All(_api.Requests.Where(r => r.PathAndQuery.StartsWith("/v1/convai/conversations?", StringComparison.Ordinal)),
            r => Assert.Contains("agent_id=agent_01jx7sample0000000000000", r.PathAndQuery));
    }

    [Fact]
    public async Task Clean_history_exits_0()
    {
        AddHistory(withDuplicate: false);
        var stdout = new StringWriter();
        var code = await AuditCommand.RunAsync("24h", null, "table", _api.BaseAddress, _settings, stdout, new StringWriter(), CancellationToken.None);
        Assert.Equal(0, code);
        Assert.Contains("No call produced more than one conversation.", stdout.ToString());
    }

    [Theory]
    [InlineData("24h", 24 * 60)]
    [InlineData("90m", 90)]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData("01:30:00", 90)]
    public void Since_parses(string text, int minutes)
    {
        Assert.True(AuditCommand.TryParseSince(text, out var period));
        Assert.Equal(TimeSpan.FromMinutes(minutes), period);
    }
}

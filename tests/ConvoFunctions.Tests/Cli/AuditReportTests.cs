using System.Text.Json;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using ConvoFunctions.Benchmarks;
using ConvoFunctions.Cli;
using ConvoFunctions.Cli.Local;

namespace ConvoFunctions.Tests.Cli;

/// <summary><c>convo audit --format html|csv</c> over the loopback ElevenLabs stand-in, with hostile values from the API.</summary>
public sealed class AuditReportTests : IAsyncLifetime
{
    private const string ApiKey = "xi_audit_report_test";
    private const string HostileAgent = "<script>alert(\"agent\")</script>";
    // No '/': ElevenLabs ids never hold one, and a '%2F' in a path stays encoded in route values.
    private const string HostileId = "conv_\"q'<b>x";

    private readonly string _folder = Directory.CreateTempSubdirectory("convo-audit-report-").FullName;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private ElevenLabsStandIn _api = null!;
    private string _settings = null!;

    public async Task InitializeAsync()
    {
        _api = await ElevenLabsStandIn.StartAsync(ApiKey);
        // Two days back: an ordinary real + blank pair. One day back: a pair with a hostile agent id and conversation id.
        // Today: one conversation on its own.
        _api.Add(ReportSample.Conversation("conv_a_real", "agent_plain", "CA_two_days", _now.AddHours(-49), blank: false));
        _api.Add(ReportSample.Conversation("conv_a_blank", "agent_plain", "CA_two_days", _now.AddHours(-49).AddSeconds(3), blank: true));
        _api.Add(ReportSample.Conversation("conv_b_real", HostileAgent, "CA_one_day", _now.AddHours(-25), blank: false));
        _api.Add(ReportSample.Conversation(HostileId, HostileAgent, "CA_one_day", _now.AddHours(-25).AddSeconds(2), blank: true));
        _api.Add(ReportSample.Conversation("conv_c_alone", "agent_plain", "CA_today", _now.AddHours(-1), blank: false));
        _settings = Path.Combine(_folder, "local.settings.json");
        await File.WriteAllTextAsync(_settings, JsonSerializer.Serialize(new { Values = new Dictionary<string, string> { ["ElevenLabs__ApiKey"] = ApiKey } }));
    }

    [Fact]
    public async Task Html_report_has_one_bar_per_day_one_row_per_group_and_encodes_hostile_values()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await AuditCommand.RunAsync("3d", null, "html", _api.BaseAddress, _settings, stdout, stderr, CancellationToken.None);
        Assert.True(code == ConvoFunctions.Cli.Failures.ExitCodes.DuplicatesFound, stderr.ToString());
        var document = new HtmlParser().ParseDocument(stdout.ToString());

        var from = DateOnly.FromDateTime(_now.AddDays(-3).UtcDateTime);
        var to = DateOnly.FromDateTime(_now.UtcDateTime);
        var days = document.QuerySelectorAll("svg#per-day g.day");
        Assert.Equal(to.DayNumber - from.DayNumber + 1, days.Length);
        Assert.All(days, d => Assert.Single(d.QuerySelectorAll("rect.conversations")));
        var oneDayBack = DateOnly.FromDateTime(_now.AddHours(-25).UtcDateTime).ToString("yyyy-MM-dd");
        var bar = days.Single(d => d.GetAttribute("data-day") == oneDayBack);
        Assert.Equal("2", bar.QuerySelector("rect.conversations")!.GetAttribute("data-value"));
        Assert.Equal("1", bar.QuerySelector("rect.duplicates")!.GetAttribute("data-value"));

        var rows = document.QuerySelectorAll("table#groups tbody tr");
        Assert.Equal(2, rows.Length);
        Assert.Equal("2", document.QuerySelectorAll("table#verdicts tbody tr").Single(r => r.Children[0].TextContent == "real + blank").Children[1].TextContent);

        // Hostile values come back as text, never as markup; nothing is loaded from anywhere.
        Assert.Empty(document.QuerySelectorAll("script"));
        Assert.Empty(document.QuerySelectorAll("b"));
        Assert.Empty(document.QuerySelectorAll("[src], link"));
        Assert.Contains(document.QuerySelectorAll("table#groups td"), td => td.TextContent == HostileAgent);
        var link = document.QuerySelectorAll("table#groups a").Single(a => a.TextContent == HostileId);
        Assert.Equal("https://elevenlabs.io/app/agents/history/" + Uri.EscapeDataString(HostileId), link.GetAttribute("href"));
        Assert.DoesNotContain("7700900", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_quotes_hostile_values_and_escapes_formula_prefixes()
    {
        var stdout = new StringWriter();
        await AuditCommand.RunAsync("3d", null, "csv", _api.BaseAddress, _settings, stdout, new StringWriter(), CancellationToken.None);

        var lines = stdout.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("call_key,verdict,agent_id,caller,conversation_id,start_time_utc,status,duration_secs,has_audio,messages,blank,source", lines[0]);
        Assert.Equal(5, lines.Length);
        var hostile = Assert.Single(lines, l => l.Contains("conv_\"\"q'", StringComparison.Ordinal));
        Assert.Contains("\"conv_\"\"q'<b>x\"", hostile, StringComparison.Ordinal);
        // The masked caller starts with '+': a spreadsheet would read it as a formula.
        Assert.DoesNotContain(",+44", hostile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_display_counts_pages_and_details_and_keeps_the_exit_code()
    {
        var stderr = new StringWriter();
        var code = await AuditCommand.RunAsync("3d", null, "json", _api.BaseAddress, _settings, new StringWriter(), stderr, CancellationToken.None,
            interactiveProgress: true);

        Assert.Equal(ConvoFunctions.Cli.Failures.ExitCodes.DuplicatesFound, code);
        // Four of the five conversations start within FuzzyGap of another: their details are fetched.
        Assert.Contains("1 pages listed, 5 conversations", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("4 details fetched", stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("[audit] listed", stderr.ToString(), StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}

using ConvoFunctions.Privacy;
using System.CommandLine;
using System.Globalization;
using ConvoFunctions.Cli.Reports;
using Spectre.Console;
using Spectre.Console.Rendering;
using System.Text.Json;
using ConvoFunctions.Alerts;
using ConvoFunctions.Cli.Failures;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Detection;
using ConvoFunctions.ElevenLabs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Cli;

/// <summary><c>convo audit</c>: the detection once over ElevenLabs history, no Azure. Exit 0 clean, 3 duplicates, 2 usage, 1 error.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var since = new Option<string>("--since") { Description = "How far back: 24h, 90m, 7d or a TimeSpan (1.00:00:00).", DefaultValueFactory = _ => "24h" };
        var agent = new Option<string?>("--agent") { Description = "Only this agent id." };
        var format = new Option<string>("--format") { Description = "table, json, csv, or html (one self-contained file with a per-day chart).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json", "csv", "html");
        var output = new Option<FileInfo?>("--output") { Description = "Write the report to this file instead of the standard output." };
        var baseUrl = UriOption.Create("--base-url",
            $"ElevenLabs API base URL (default {SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsBaseUrl)} or {ElevenLabsOptions.PublicApiBaseUrl}).");
        var settings = new Option<string>("--settings")
        {
            Description = "local.settings.json to read; the API key comes from ElevenLabs__ApiKey there or in the environment.",
            DefaultValueFactory = _ => LocalConfiguration.DefaultSettingsFile,
        };

        var command = new Command("audit", "Find calls with more than one conversation in ElevenLabs history (list and detail endpoints only).")
        {
            since, agent, format, baseUrl, settings, output,
        };
        command.SetAction(async (result, ct) =>
        {
            var file = result.GetValue(output);
            await using var writer = file is null ? null : new StreamWriter(file.FullName);
            // A progress bar only where someone watches it; redirected stderr (CI, logs) gets plain lines.
            var interactive = !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            var code = await RunAsync(result.GetValue(since)!, result.GetValue(agent), result.GetValue(format)!, result.GetValue(baseUrl),
                result.GetValue(settings)!, writer ?? Console.Out, Console.Error, ct, interactive);
            if (file is not null) await Console.Error.WriteLineAsync($"[audit] report written to {file.FullName}");
            return code;
        });
        return command;
    }

    public static async Task<int> RunAsync(string since, string? agent, string format, Uri? baseUrl, string settingsFile,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, bool interactiveProgress = false)
    {
        if (!TryParseSince(since, out var period))
        {
            await stderr.WriteLineAsync($"--since: '{since}' is not a duration such as 24h, 90m, 7d.");
            return ExitCodes.Usage;
        }

        var configuration = LocalConfiguration.Build(settingsFile);
        // The same ElevenLabs__ settings as the app (retries, timeouts, concurrency); --base-url wins.
        var elevenLabs = configuration.GetSection(SettingNames.ElevenLabsSection).Get<ElevenLabsOptions>() ?? new ElevenLabsOptions();
        if (baseUrl is not null) elevenLabs.BaseUrl = baseUrl;
        if (!elevenLabs.BaseUrl.IsAbsoluteUri)
        {
            throw new SettingException($"{SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsBaseUrl)} must be an absolute URL such as {ElevenLabsOptions.PublicApiBaseUrl}.");
        }
        if (string.IsNullOrWhiteSpace(elevenLabs.ApiKey))
        {
            await stderr.WriteLineAsync($"Set {SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsApiKey)} (environment or {settingsFile}).");
            return ExitCodes.Usage;
        }
        var fuzzyGap = TimeSpan.TryParse(configuration[SettingNames.DetectionFuzzyGap], CultureInfo.InvariantCulture, out var gap) ? gap : new DetectionOptions().FuzzyGap;
        var verdicts = Verdicts.TryParseList(configuration[SettingNames.DetectionAlertVerdicts] ?? nameof(Verdict.RealPlusBlank), out var v) && v.Count > 0
            ? v : new HashSet<Verdict> { Verdict.RealPlusBlank };

        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning).AddFilter("System.Net.Http", LogLevel.Warning));
        services.AddSingleton<IOptions<ElevenLabsOptions>>(Options.Create(elevenLabs));
        services.AddSingleton(TimeProvider.System);
        var counters = new AuditCounters();
        services.AddElevenLabsClient();
        services.AddHttpClient<ElevenLabsClient>().AddHttpMessageHandler(() => new RateLimitCounter(counters));
        services.AddConversationDirectory();
        await using var provider = services.BuildServiceProvider();
        var directory = new CountingDirectory(provider.GetRequiredService<IConversationDirectory>(), counters);

        var to = DateTimeOffset.UtcNow;
        var from = to - period;
        // An unreachable or refusing API surfaces as an exception that ConvoCommand.RunAsync reports.
        var result = interactiveProgress
            ? await AuditProgress.RunWithBarAsync(counters, stderr,
                progress => DuplicateAudit.RunAsync(directory, from, to, agent, fuzzyGap, elevenLabs.MaxConcurrency, progress, cancellationToken))
            : await DuplicateAudit.RunAsync(directory, from, to, agent, fuzzyGap, elevenLabs.MaxConcurrency,
                new SyncProgress(line => stderr.WriteLine($"[audit] {line}")), cancellationToken);

        switch (format)
        {
            case "html":
                var dashboard = new AlertOptions { DashboardUrl = configuration[SettingNames.AlertsDashboardUrl] is { Length: > 0 } url ? url : AlertOptions.DefaultDashboardUrl };
                await stdout.WriteAsync(HtmlReport.Render(DuplicateReport.Create("ConvoFunctions audit: calls with more than one conversation",
                    from, to, DateTimeOffset.UtcNow, counters.PerDay, result.Duplicates, dashboard.ConversationUrl)));
                break;
            case "csv":
                WriteCsv(result, stdout);
                break;
            case "json":
                await stdout.WriteAsync(RenderJson(result));
                break;
            default:
                WriteTable(result, stdout);
                break;
        }
        var alerting = result.Duplicates.Count(g => verdicts.Contains(g.Verdict));
        await stderr.WriteLineAsync($"[audit] {result.Listed} conversations from {from:yyyy-MM-dd HH:mm} to {to:yyyy-MM-dd HH:mm} UTC; " +
            $"{result.Duplicates.Count} calls with more than one conversation, {alerting} of them {string.Join(" or ", verdicts.Select(x => x.Describe()))}" +
            (counters.RateLimited > 0 ? $"; {counters.RateLimited} rate-limit waits." : "."));
        return alerting > 0 ? ExitCodes.DuplicatesFound : ExitCodes.Success;
    }

    internal static bool TryParseSince(string text, out TimeSpan period)
    {
        period = default;
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            TimeSpan? parsed = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
            if (parsed is { } p) { period = p; return true; }
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out period) && period > TimeSpan.Zero;
    }

    private static string RenderJson(AuditResult result) =>
        JsonSerializer.Serialize(new
        {
            listed = result.Listed,
            details_fetched = result.DetailsFetched,
            groups = result.Duplicates.Select(g => new
            {
                call_key = g.IsFuzzy ? null : g.Key,
                verdict = g.Verdict.Describe(),
                agent_id = g.First.AgentId,
                caller = PhoneMask.Mask(g.Any(c => c.Caller), "unknown"),
                conversations = g.Conversations.Select(c => new Dictionary<string, object?>(ConversationColumns.Json(c))
                {
                    ["call_sid"] = c.CallSid,
                    ["direction"] = c.Direction,
                    ["provider"] = c.Provider,
                }),
            }),
        }, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;

    private static void WriteCsv(AuditResult result, TextWriter output) => CsvOutput.Write(output,
        [.. new[] { "call_key", "verdict", "agent_id", "caller" }.Concat(ConversationColumns.CsvHeaders)],
        result.Duplicates.SelectMany(g => g.Conversations.Select(c => new[]
        {
            g.IsFuzzy ? "" : g.Key, g.Verdict.Describe(), g.First.AgentId, PhoneMask.Mask(g.Any(x => x.Caller), "unknown"),
        }.Concat(ConversationColumns.Csv(c)).ToArray())));

    private static void WriteTable(AuditResult result, TextWriter output)
    {
        if (result.Duplicates.Count == 0)
        {
            output.WriteLine("No call produced more than one conversation.");
            return;
        }
        var console = CliConsole.For(output);
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in new[] { "call", "verdict", "agent", "caller" }.Concat(ConversationColumns.Headers))
        {
            table.AddColumn(new TableColumn(header));
        }
        foreach (var g in result.Duplicates)
        {
            var first = true;
            foreach (var c in g.Conversations)
            {
                // Text cells, not markup: ids come from the API and may hold '['.
                table.AddRow(new IRenderable[]
                {
                    new Text(first ? (g.IsFuzzy ? "(no call SID)" : g.Key) : ""),
                    new Text(first ? g.Verdict.Describe() : ""),
                    new Text(first ? g.First.AgentId : ""),
                    new Text(first ? PhoneMask.Mask(g.Any(x => x.Caller), "unknown") : ""),
                }.Concat(ConversationColumns.Cells(c)).ToArray());
                first = false;
            }
        }
        console.Write(table);
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}

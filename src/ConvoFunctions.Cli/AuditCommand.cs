using ConvoFunctions.Privacy;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ConvoFunctions.Alerts;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Detection;
using ConvoFunctions.ElevenLabs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Cli;

/// <summary><c>convo audit</c>: the detection once over ElevenLabs history, no Azure. Exit 0 clean, 3 duplicates, 2 usage, 1 error.</summary>
internal static class AuditCommand
{
    public const int DuplicatesFound = 3;

    public static Command Create()
    {
        var since = new Option<string>("--since") { Description = "How far back: 24h, 90m, 7d or a TimeSpan (1.00:00:00).", DefaultValueFactory = _ => "24h" };
        var agent = new Option<string?>("--agent") { Description = "Only this agent id." };
        var format = new Option<string>("--format") { Description = "table, json or csv.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json", "csv");
        var baseUrl = UriOption.Create("--base-url",
            $"ElevenLabs API base URL (default {SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsBaseUrl)} or {ElevenLabsOptions.PublicApiBaseUrl}).");
        var settings = new Option<string>("--settings")
        {
            Description = "local.settings.json to read; the API key comes from ElevenLabs__ApiKey there or in the environment.",
            DefaultValueFactory = _ => LocalConfiguration.DefaultSettingsFile,
        };

        var command = new Command("audit", "Find calls with more than one conversation in ElevenLabs history (list and detail endpoints only).")
        {
            since, agent, format, baseUrl, settings,
        };
        command.SetAction((result, ct) => RunAsync(
            result.GetValue(since)!, result.GetValue(agent), result.GetValue(format)!, result.GetValue(baseUrl), result.GetValue(settings)!,
            Console.Out, Console.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(string since, string? agent, string format, Uri? baseUrl, string settingsFile,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!TryParseSince(since, out var period))
        {
            await stderr.WriteLineAsync($"--since: '{since}' is not a duration such as 24h, 90m, 7d.");
            return 2;
        }

        var configuration = LocalConfiguration.Build(settingsFile);
        var elevenLabs = new ElevenLabsOptions
        {
            ApiKey = configuration[SettingNames.ElevenLabsApiKey],
            BaseUrl = baseUrl ?? (Uri.TryCreate(configuration[SettingNames.ElevenLabsBaseUrl], UriKind.Absolute, out var u) ? u : new Uri(ElevenLabsOptions.PublicApiBaseUrl)),
        };
        if (int.TryParse(configuration[SettingNames.ElevenLabsMaxConcurrency], out var concurrency)) elevenLabs.MaxConcurrency = concurrency;
        if (string.IsNullOrWhiteSpace(elevenLabs.ApiKey))
        {
            await stderr.WriteLineAsync($"Set {SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsApiKey)} (environment or {settingsFile}).");
            return 2;
        }
        var fuzzyGap = TimeSpan.TryParse(configuration[SettingNames.DetectionFuzzyGap], CultureInfo.InvariantCulture, out var gap) ? gap : new DetectionOptions().FuzzyGap;
        var verdicts = Verdicts.TryParseList(configuration[SettingNames.DetectionAlertVerdicts] ?? nameof(Verdict.RealPlusBlank), out var v) && v.Count > 0
            ? v : new HashSet<Verdict> { Verdict.RealPlusBlank };

        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning).AddFilter("System.Net.Http", LogLevel.Warning));
        services.AddSingleton<IOptions<ElevenLabsOptions>>(Options.Create(elevenLabs));
        services.AddSingleton(TimeProvider.System);
        services.AddElevenLabsClient();
        services.AddConversationDirectory();
        await using var provider = services.BuildServiceProvider();
        var directory = provider.GetRequiredService<IConversationDirectory>();

        var to = DateTimeOffset.UtcNow;
        var from = to - period;
        var progress = new SyncProgress(line => stderr.WriteLine($"[audit] {line}"));
        AuditResult result;
        try
        {
            result = await DuplicateAudit.RunAsync(directory, from, to, agent, fuzzyGap, elevenLabs.MaxConcurrency, progress, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.ExecutionRejectedException)
        {
            // Polly's rejections (open circuit, exhausted timeout) are the API being unavailable, too.
            await stderr.WriteLineAsync($"ElevenLabs API error: {ex.Message}");
            return 1;
        }

        await stdout.WriteAsync(Render(result, format));
        var alerting = result.Duplicates.Count(g => verdicts.Contains(g.Verdict));
        await stderr.WriteLineAsync($"[audit] {result.Listed} conversations from {from:yyyy-MM-dd HH:mm} to {to:yyyy-MM-dd HH:mm} UTC; " +
            $"{result.Duplicates.Count} calls with more than one conversation, {alerting} of them {string.Join(" or ", verdicts.Select(x => x.Describe()))}.");
        return alerting > 0 ? DuplicatesFound : 0;
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

    internal static string Render(AuditResult result, string format)
    {
        var rows = result.Duplicates.SelectMany(g => g.Conversations.Select(c => (Group: g, Conversation: c))).ToList();
        var sb = new StringBuilder();
        switch (format)
        {
            case "json":
                sb.AppendLine(JsonSerializer.Serialize(new
                {
                    listed = result.Listed,
                    details_fetched = result.DetailsFetched,
                    groups = result.Duplicates.Select(g => new
                    {
                        call_key = g.IsFuzzy ? null : g.Key,
                        verdict = g.Verdict.Describe(),
                        agent_id = g.First.AgentId,
                        caller = PhoneMask.Mask(g.Any(c => c.Caller), "unknown"),
                        conversations = g.Conversations.Select(c => new
                        {
                            conversation_id = c.ConversationId,
                            start_time = c.StartTime.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
                            status = c.Status,
                            duration_secs = c.DurationSecs,
                            has_audio = c.HasAudio,
                            messages = c.MessageCount,
                            blank = c.IsBlank,
                            call_sid = c.CallSid,
                            direction = c.Direction,
                            provider = c.Provider,
                        }),
                    }),
                }, new JsonSerializerOptions { WriteIndented = true }));
                break;
            case "csv":
                sb.AppendLine("call_key,verdict,agent_id,caller,conversation_id,start_time_utc,status,duration_secs,has_audio,messages,blank");
                foreach (var (g, c) in rows)
                {
                    sb.AppendLine(string.Join(",", new[]
                    {
                        g.IsFuzzy ? "" : g.Key, g.Verdict.Describe(), g.First.AgentId, PhoneMask.Mask(g.Any(x => x.Caller), "unknown"), c.ConversationId,
                        c.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), c.Status,
                        c.DurationSecs.ToString(CultureInfo.InvariantCulture), c.HasAudio ? "true" : "false",
                        c.MessageCount.ToString(CultureInfo.InvariantCulture), c.IsBlank ? "true" : "false",
                    }.Select(Csv)));
                }
                break;
            default:
                if (result.Duplicates.Count == 0)
                {
                    sb.AppendLine("No call produced more than one conversation.");
                    break;
                }
                foreach (var g in result.Duplicates)
                {
                    sb.AppendLine($"{(g.IsFuzzy ? "(no call SID)" : g.Key)}  {g.Verdict.Describe()}  agent {g.First.AgentId}  caller {PhoneMask.Mask(g.Any(c => c.Caller), "unknown")}");
                    foreach (var c in g.Conversations)
                    {
                        sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "  {0,-32} {1:yyyy-MM-dd HH:mm:ss}  {2,-10} {3,5} s  audio {4,-5}  msgs {5,3}  {6}",
                            c.ConversationId, c.StartTime.UtcDateTime, c.Status, c.DurationSecs, c.HasAudio ? "true" : "false", c.MessageCount, c.IsBlank ? "blank" : "real"));
                    }
                }
                break;
        }
        return sb.ToString();
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}

using System.CommandLine;
using ConvoFunctions.Cli.Reports;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ConvoFunctions.Alerts;
using ConvoFunctions.Correlation;
using ConvoFunctions.Detection;
using ConvoFunctions.Operations;
using ConvoFunctions.Privacy;
using ConvoFunctions.Storage;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ConvoFunctions.Cli;

/// <summary><c>convo calls</c>: the calls the app recorded (Table Storage), their conversations, verdicts and alert states.</summary>
internal static class CallsCommand
{
    public static Command Create()
    {
        var target = new StorageTarget();
        var since = new Option<string>("--since") { Description = "How far back: 24h, 90m, 7d or a TimeSpan (1.00:00:00).", DefaultValueFactory = _ => "24h" };
        var format = new Option<string>("--format") { Description = "table, json, csv, or html (one self-contained file).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json", "csv", "html");
        since.Validators.Add(result =>
        {
            if (!AuditCommand.TryParseSince(result.GetValueOrDefault<string>() ?? "", out _)) result.AddError("--since must be a duration such as 24h, 90m, 7d.");
        });

        var command = new Command("calls", "The calls the deployed (or local) app recorded: conversations, verdicts and alert states, from Table Storage.")
        {
            since, format,
        };
        target.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            AuditCommand.TryParseSince(result.GetValue(since)!, out var period);
            var dashboard = LocalConfiguration.Build(result.GetValue(target.Settings)!)[SettingNames.AlertsDashboardUrl];
            return RunAsync(target.Resolve(result), period, result.GetValue(format)!, TimeProvider.System, Console.Out, cancellationToken, dashboard);
        });
        return command;
    }

    internal static async Task<int> RunAsync(StorageAccount storage, TimeSpan period, string format, TimeProvider time, TextWriter stdout,
        CancellationToken cancellationToken, string? dashboardUrl = null)
    {
        var history = new CallHistory(new ConversationNeighbourhood(new CorrelationRepository(storage, StorageClock.FromAnswers(time))), new AlertLedger(storage), new IncidentRecords(storage));
        var to = time.GetUtcNow();
        var from = to - period;
        var calls = await history.ReadAsync(from, to, GroupingRules.From(new DetectionOptions()), cancellationToken);
        switch (format)
        {
            case "html":
                var dashboard = new AlertOptions { DashboardUrl = string.IsNullOrEmpty(dashboardUrl) ? AlertOptions.DefaultDashboardUrl : dashboardUrl };
                var perDay = calls.SelectMany(call => call.Group.Conversations)
                    .GroupBy(c => DateOnly.FromDateTime(c.StartTime.UtcDateTime))
                    .ToDictionary(day => day.Key, day => day.Count());
                await stdout.WriteAsync(HtmlReport.Render(DuplicateReport.Create("ConvoFunctions: recorded calls with more than one conversation",
                    from, to, to, perDay, calls.Select(call => call.Group).Where(g => g.IsDuplicate).ToList(), dashboard.ConversationUrl) with
                {
                    Incidents = calls.Where(c => c.Incident is not null).ToDictionary(c => c.Group.Key, c => $"{c.Incident!.Key} ({c.Incident.Describe()})", StringComparer.Ordinal),
                }));
                break;
            case "table":
                WriteTable(calls, stdout);
                break;
            default:
                await stdout.WriteAsync(Render(calls, format));
                break;
        }
        return 0;
    }

    private static void WriteTable(IReadOnlyList<RecordedCall> calls, TextWriter output)
    {
        if (calls.Count == 0)
        {
            output.WriteLine("No calls recorded in this period.");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in new[] { "call", "verdict", "agent", "caller", "alerts", "incident" }.Concat(ConversationColumns.Headers))
        {
            table.AddColumn(new TableColumn(header));
        }
        foreach (var call in calls)
        {
            var first = true;
            foreach (var c in call.Group.Conversations)
            {
                // Text cells, not markup: ids come from the API and may hold '['.
                table.AddRow(new IRenderable[]
                {
                    new Text(first ? (call.Group.IsFuzzy ? "(no call SID)" : call.Group.Key) : ""),
                    new Text(first ? Verdict(call) : ""),
                    new Text(first ? call.Group.First.AgentId : ""),
                    new Text(first ? Caller(call) : ""),
                    new Text(first ? AlertSummary(call) : ""),
                    new Text(first ? call.Incident?.Describe() ?? "" : ""),
                }.Concat(ConversationColumns.Cells(c)).ToArray());
                first = false;
            }
        }
        CliConsole.For(output).Write(table);
        WriteIncidents(calls, output);
    }

    /// <summary>The incidents these calls count in, one line each: what recurred, how often, and where it stands.</summary>
    private static void WriteIncidents(IReadOnlyList<RecordedCall> calls, TextWriter output)
    {
        var incidents = calls.Select(c => c.Incident).OfType<IncidentRecord>()
            .GroupBy(i => (i.Key, i.Episode)).Select(g => g.First() with { Folded = false }).ToList();
        if (incidents.Count == 0) return;
        var table = new Table().Border(TableBorder.Rounded).Title("incidents");
        foreach (var header in new[] { "incident", "episode", "status", "calls", "first seen (UTC)", "last seen (UTC)" }) table.AddColumn(new TableColumn(header));
        foreach (var i in incidents)
        {
            table.AddRow(new Text(i.Key), new Text(i.Episode.ToString(CultureInfo.InvariantCulture)), new Text(i.Status),
                new Text(i.Calls.ToString(CultureInfo.InvariantCulture)), new Text(Time(i.FirstSeen)), new Text(Time(i.LastSeen)));
        }
        CliConsole.For(output).Write(table);

        static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";
    }

    internal static string Render(IReadOnlyList<RecordedCall> calls, string format)
    {
        var sb = new StringBuilder();
        switch (format)
        {
            case "json":
                sb.AppendLine(JsonSerializer.Serialize(calls.Select(call => new
                {
                    call_key = call.Group.IsFuzzy ? null : call.Group.Key,
                    verdict = Verdict(call),
                    agent_id = call.Group.First.AgentId,
                    caller = Caller(call),
                    alerts = call.Alerts.Select(a => new { generation = a.Generation, channels = a.Channels, last_change = a.LastChange }),
                    incident = call.Incident is { } i
                        ? new { key = i.Key, episode = i.Episode, status = i.Status, folded = i.Folded, calls = i.Calls, first_seen = i.FirstSeen, last_seen = i.LastSeen }
                        : null,
                    conversations = call.Group.Conversations.Select(ConversationColumns.Json),
                }), new JsonSerializerOptions { WriteIndented = true }));
                break;
            case "csv":
                using (var csv = new StringWriter(sb))
                {
                    CsvOutput.Write(csv,
                        // The incident comes last: scripts reading the columns before it by position keep working.
                        [.. new[] { "call_key", "verdict", "agent_id", "caller", "alerts" }.Concat(ConversationColumns.CsvHeaders).Append("incident")],
                        calls.SelectMany(call => call.Group.Conversations.Select(c => new[]
                        {
                            call.Group.IsFuzzy ? "" : call.Group.Key, Verdict(call), call.Group.First.AgentId, Caller(call), AlertSummary(call),
                        }.Concat(ConversationColumns.Csv(c)).Append(call.Incident is { } i ? $"{i.Key} ({i.Describe()})" : "").ToArray())));
                }
                break;
        }
        return sb.ToString();
    }

    private static string Verdict(RecordedCall call) => call.Group.IsDuplicate ? call.Group.Verdict.Describe() : "single";

    private static string Caller(RecordedCall call) => PhoneMask.Mask(call.Group.Any(c => c.Caller), "unknown");

    /// <summary><c>2: teams sent, email failed</c> per alert generation; <c>none</c> without an alert.</summary>
    private static string AlertSummary(RecordedCall call) => call.Alerts.Count == 0 ? "none"
        : string.Join("; ", call.Alerts.Select(a => $"{a.Generation}: {string.Join(", ", a.Channels.Select(ch => $"{ch.Key} {ch.Value}"))}"));
}

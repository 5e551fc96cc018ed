using System.Globalization;
using System.Net;
using System.Text;
using ConvoFunctions.Detection;
using ConvoFunctions.Privacy;

namespace ConvoFunctions.Cli.Reports;

/// <summary>Conversations and duplicate groups of one UTC day.</summary>
internal sealed record ReportDay(DateOnly Day, int Conversations, int DuplicateGroups);

/// <summary>What a duplicate report shows; built by a verb (<c>audit</c> now), rendered by <see cref="HtmlReport"/>.</summary>
internal sealed record DuplicateReport(
    string Title,
    DateTimeOffset From,
    DateTimeOffset To,
    DateTimeOffset GeneratedAt,
    int Conversations,
    IReadOnlyList<ReportDay> Days,
    IReadOnlyList<DuplicateGroup> Groups,
    Func<string, string> ConversationUrl)
{
    /// <summary>The incident of each call that counts in one, by the call's group key (<c>convo calls</c>); an extra column when any.</summary>
    public IReadOnlyDictionary<string, string> Incidents { get; init; } = new Dictionary<string, string>();

    /// <summary>Every UTC day from <paramref name="from"/> to <paramref name="to"/>, with a zero where nothing happened.</summary>
    public static DuplicateReport Create(string title, DateTimeOffset from, DateTimeOffset to, DateTimeOffset generatedAt,
        IReadOnlyDictionary<DateOnly, int> conversationsPerDay, IReadOnlyList<DuplicateGroup> groups, Func<string, string> conversationUrl)
    {
        var groupsPerDay = groups.GroupBy(g => Day(g.First.StartTime)).ToDictionary(g => g.Key, g => g.Count());
        var days = new List<ReportDay>();
        for (var day = Day(from); day <= Day(to); day = day.AddDays(1))
        {
            days.Add(new ReportDay(day, conversationsPerDay.GetValueOrDefault(day), groupsPerDay.GetValueOrDefault(day)));
        }
        return new DuplicateReport(title, from, to, generatedAt, conversationsPerDay.Values.Sum(), days, groups, conversationUrl);
    }

    private static DateOnly Day(DateTimeOffset time) => DateOnly.FromDateTime(time.UtcDateTime);
}

/// <summary>
/// One self-contained HTML file: inline CSS and an inline SVG chart (conversations and duplicate groups per day), the
/// verdict mix, and one table row per group with its evidence and dashboard links. No script, font or image is loaded
/// from anywhere, and every value is HTML-encoded (ids, agent names and statuses come from the API).
/// </summary>
internal static class HtmlReport
{
    private const int ChartWidth = 960, ChartHeight = 220, Top = 16, Bottom = 28, Left = 44;

    public static string Render(DuplicateReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(report.Title)).Append("</title><style>")
            .Append("body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#201f1e;margin:24px;max-width:1100px}")
            .Append("h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.muted{color:#605e5c}")
            .Append(".tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{border:1px solid #c8c6c4;border-radius:6px;padding:8px 14px;min-width:120px}")
            .Append(".tile strong{display:block;font-size:22px}")
            .Append("table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #c8c6c4;padding:5px 8px;text-align:left;vertical-align:top}")
            .Append("th{background:#f3f2f1}.blank{color:#a4262c;font-weight:600}ul{margin:0;padding-left:16px}")
            .Append("svg text{font-size:11px;fill:#605e5c}.conversations{fill:#8ab4f8}.duplicates{fill:#a4262c}")
            .Append("</style></head><body>");

        html.Append("<h1>").Append(E(report.Title)).Append("</h1><p class=\"muted\">")
            .Append(E($"{Utc(report.From)} to {Utc(report.To)} UTC · generated {Utc(report.GeneratedAt)} UTC")).Append("</p>");

        html.Append("<div class=\"tiles\">");
        Tile(html, "conversations", report.Conversations);
        Tile(html, "calls with more than one conversation", report.Groups.Count);
        html.Append("</div>");

        html.Append("<h2>Per day</h2>");
        Chart(html, report.Days);

        html.Append("<h2>Verdict mix</h2><table id=\"verdicts\"><thead><tr><th>verdict</th><th>groups</th></tr></thead><tbody>");
        foreach (var verdict in Enum.GetValues<Verdict>().Where(v => v != Verdict.Single))
        {
            html.Append("<tr><td>").Append(E(verdict.Describe())).Append("</td><td>")
                .Append(report.Groups.Count(g => g.Verdict == verdict).ToString(CultureInfo.InvariantCulture)).Append("</td></tr>");
        }
        html.Append("</tbody></table>");

        html.Append("<h2>Calls with more than one conversation</h2>");
        if (report.Groups.Count == 0)
        {
            html.Append("<p id=\"no-groups\">No call produced more than one conversation.</p>");
        }
        else
        {
            var incidents = report.Incidents.Count > 0;
            html.Append("<table id=\"groups\"><thead><tr><th>call</th><th>verdict</th><th>agent</th><th>caller</th><th>provider / direction</th>")
                .Append(incidents ? "<th>incident</th>" : "").Append("<th>conversations</th></tr></thead><tbody>");
            foreach (var g in report.Groups.OrderBy(g => g.First.StartTime))
            {
                html.Append("<tr class=\"group\"><td>").Append(E(g.IsFuzzy ? "no call SID (agent, caller and time)" : g.Key)).Append("</td>")
                    .Append("<td>").Append(E(g.Verdict.Describe())).Append("</td>")
                    .Append("<td>").Append(E(g.First.AgentId)).Append("</td>")
                    .Append("<td>").Append(E(PhoneMask.Mask(g.Any(c => c.Caller), "unknown"))).Append("</td>")
                    .Append("<td>").Append(E($"{g.Any(c => c.Provider) ?? "unknown"} / {g.Any(c => c.Direction) ?? "unknown"}")).Append("</td>");
                if (incidents) html.Append("<td>").Append(E(report.Incidents.GetValueOrDefault(g.Key, ""))).Append("</td>");
                html.Append("<td><ul>");
                foreach (var c in g.Conversations)
                {
                    html.Append("<li><a href=\"").Append(E(report.ConversationUrl(c.ConversationId))).Append("\">").Append(E(c.ConversationId)).Append("</a> ")
                        .Append(c.IsBlank ? "<span class=\"blank\">blank</span>" : "real")
                        .Append(E($" · {c.Status} · {Utc(c.StartTime)} UTC · {c.DurationSecs} s · {c.MessageCount} {(c.MessageCount == 1 ? "message" : "messages")} · has_audio {(c.HasAudio ? "true" : "false")} · source {c.Origin.Describe()}"))
                        .Append("</li>");
                }
                html.Append("</ul></td></tr>");
            }
            html.Append("</tbody></table>");
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void Tile(StringBuilder html, string label, int value) =>
        html.Append("<div class=\"tile\"><strong>").Append(value.ToString("N0", CultureInfo.InvariantCulture)).Append("</strong>").Append(E(label)).Append("</div>");

    /// <summary>Two bars a day (conversations, duplicate groups), each day one <c>g.day</c> with a tooltip.</summary>
    private static void Chart(StringBuilder html, IReadOnlyList<ReportDay> days)
    {
        static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        var plotHeight = ChartHeight - Top - Bottom;
        var max = Math.Max(1, days.Count == 0 ? 1 : days.Max(d => Math.Max(d.Conversations, d.DuplicateGroups)));
        var slot = (ChartWidth - Left) / (double)Math.Max(1, days.Count);
        var bar = Math.Max(1, slot * 0.4);
        var labelEvery = Math.Max(1, (int)Math.Ceiling(days.Count / 15.0));

        html.Append("<svg id=\"per-day\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"").Append(ChartWidth).Append("\" height=\"").Append(ChartHeight)
            .Append("\" viewBox=\"0 0 ").Append(ChartWidth).Append(' ').Append(ChartHeight).Append("\"><title>Conversations and duplicate groups per day</title>");
        html.Append("<line x1=\"").Append(Left).Append("\" y1=\"").Append(Top + plotHeight).Append("\" x2=\"").Append(ChartWidth).Append("\" y2=\"").Append(Top + plotHeight).Append("\" stroke=\"#c8c6c4\"/>");
        html.Append("<text x=\"0\" y=\"").Append(Top + 4).Append("\">").Append(max.ToString(CultureInfo.InvariantCulture)).Append("</text>");
        for (var i = 0; i < days.Count; i++)
        {
            var d = days[i];
            var x = Left + i * slot + (slot - 2 * bar) / 2;
            var day = d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            double H(int v) => v == 0 ? 0 : Math.Max(1, v * plotHeight / (double)max);
            html.Append("<g class=\"day\" data-day=\"").Append(day).Append("\"><title>")
                .Append(E($"{day}: {d.Conversations} conversations, {d.DuplicateGroups} calls with more than one")).Append("</title>")
                .Append("<rect class=\"conversations\" x=\"").Append(N(x)).Append("\" y=\"").Append(N(Top + plotHeight - H(d.Conversations))).Append("\" width=\"").Append(N(bar))
                .Append("\" height=\"").Append(N(H(d.Conversations))).Append("\" data-value=\"").Append(d.Conversations).Append("\"/>")
                .Append("<rect class=\"duplicates\" x=\"").Append(N(x + bar)).Append("\" y=\"").Append(N(Top + plotHeight - H(d.DuplicateGroups))).Append("\" width=\"").Append(N(bar))
                .Append("\" height=\"").Append(N(H(d.DuplicateGroups))).Append("\" data-value=\"").Append(d.DuplicateGroups).Append("\"/>");
            if (i % labelEvery == 0)
            {
                html.Append("<text x=\"").Append(N(Left + i * slot + slot / 2)).Append("\" y=\"").Append(ChartHeight - 8).Append("\" text-anchor=\"middle\">")
                    .Append(d.Day.ToString("MM-dd", CultureInfo.InvariantCulture)).Append("</text>");
            }
            html.Append("</g>");
        }
        html.Append("</svg><p class=\"muted\"><svg width=\"10\" height=\"10\"><rect class=\"conversations\" width=\"10\" height=\"10\"/></svg> conversations ")
            .Append("<svg width=\"10\" height=\"10\"><rect class=\"duplicates\" width=\"10\" height=\"10\"/></svg> calls with more than one conversation</p>");
    }

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string E(string? value) => WebUtility.HtmlEncode(value ?? "");
}

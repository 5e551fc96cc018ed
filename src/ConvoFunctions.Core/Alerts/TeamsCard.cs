using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ConvoFunctions.Alerts;

/// <summary>
/// The Teams Workflows webhook body: a <c>message</c> with one Adaptive Card (version 1.5, the highest Teams renders),
/// using only elements of that version: TextBlock, RichTextBlock, FactSet, Table, Container and Action.OpenUrl.
/// Teams shows a card from a phone's width up to a wide channel pane, so the conversations come twice, each for its
/// width (Teams' <c>targetWidth</c>): a table when wide, one container of facts per conversation when narrow.
/// </summary>
internal static class TeamsCard
{
    public const string CardVersion = "1.5";
    public const string Schema = "http://adaptivecards.io/schemas/adaptive-card.json";
    public const string ContentType = "application/vnd.microsoft.card.adaptive";

    // Teams shows a limited number of actions; the rest stay reachable through the support report's ids.
    private const int MaxActions = 5;

    // At 400 px a 7-column table breaks words letter by letter: the table only from Wide, the containers up to Standard.
    public const string WideOnly = "atLeast:Wide";
    public const string NarrowOnly = "atMost:Standard";

    // Readable JSON ('+' and non-ASCII as themselves); it is sent as application/json, never embedded in HTML.
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(JsonNode node) => node.ToJsonString(Json);

    /// <summary>
    /// Teams refuses a card message over about 28 KB, and a Workflow that fails does so where nobody looks: every
    /// message stays under this, its table and report cut with "… and N more" (the email carries all of it).
    /// </summary>
    public const int MaxBytes = 24 * 1024;

    public static JsonObject Message(Alert alert)
    {
        var report = ReportLines(alert);
        var (rows, lines) = (alert.Conversations.Count, report.Length);
        while (true)
        {
            var message = new JsonObject
            {
                ["type"] = "message",
                ["attachments"] = new JsonArray(new JsonObject
                {
                    ["contentType"] = ContentType,
                    ["contentUrl"] = null,
                    ["content"] = Card(alert, report, rows, lines),
                }),
            };
            if (Encoding.UTF8.GetByteCount(Serialize(message)) <= MaxBytes || (rows <= 1 && lines <= MinReportLines)) return message;
            (rows, lines) = (Math.Max(1, rows * 2 / 3), Math.Max(MinReportLines, lines * 2 / 3));
        }
    }

    private const int MinReportLines = 12;

    private static string[] ReportLines(Alert alert) => alert.SupportReport.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

    public static JsonObject Card(Alert alert)
    {
        var report = ReportLines(alert);
        return Card(alert, report, alert.Conversations.Count, report.Length);
    }

    /// <param name="report">The support report's lines (<see cref="ReportLines"/>).</param>
    /// <param name="rows">Conversations shown in the table; the rest are counted.</param>
    /// <param name="lines">Lines of the support report shown; the rest are counted.</param>
    private static JsonObject Card(Alert alert, string[] report, int rows, int lines)
    {
        var body = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "TextBlock", ["text"] = alert.Title, ["size"] = "Large", ["weight"] = "Bolder", ["wrap"] = true,
                ["color"] = TitleColor(alert.Kind),
            },
            new JsonObject { ["type"] = "TextBlock", ["text"] = alert.Summary, ["wrap"] = true, ["spacing"] = "Small" },
            new JsonObject
            {
                ["type"] = "FactSet",
                ["facts"] = new JsonArray(alert.Facts.Select(f => (JsonNode)new JsonObject { ["title"] = f.Name, ["value"] = f.Value }).ToArray()),
            },
        };

        if (alert.Conversations.Count > 0)
        {
            var shown = alert.Conversations.Take(rows).ToList();
            body.Add(ConversationTable(shown));
            foreach (var (c, i) in shown.Select((c, i) => (c, i))) body.Add(ConversationContainer(c, i + 1));
            if (rows < alert.Conversations.Count)
            {
                body.Add(Note($"… and {alert.Conversations.Count - rows} more conversations: the email lists them all."));
            }
        }

        body.Add(new JsonObject
        {
            ["type"] = "Container",
            ["separator"] = true,
            ["items"] = new JsonArray([
                new JsonObject { ["type"] = "TextBlock", ["text"] = "Support report (ready to send)", ["weight"] = "Bolder", ["wrap"] = true },
                .. ReportBlocks(report, lines)]),
        });

        // "Open <id>" was cut to "Open conv_..." on every width: the number matches the conversation's "#n", the
        // tooltip names it in full.
        var actions = new JsonArray(alert.Conversations.Take(MaxActions).Select((c, i) => (JsonNode)new JsonObject
        {
            ["type"] = "Action.OpenUrl",
            ["title"] = $"Open {(i + 1).ToString(CultureInfo.InvariantCulture)}",
            ["tooltip"] = c.ConversationId,
            ["url"] = c.Url,
        }).ToArray());

        var card = new JsonObject
        {
            ["$schema"] = Schema,
            ["type"] = "AdaptiveCard",
            ["version"] = CardVersion,
            ["msteams"] = new JsonObject { ["width"] = "Full" },
            ["body"] = body,
        };
        if (actions.Count > 0) card["actions"] = actions;
        return card;
    }

    /// <summary>
    /// The report line by line, each its own RichTextBlock of one TextRun: a TextBlock's Markdown merges single
    /// newlines into one paragraph and turns "- " lines into bullets, and a TextRun is shown exactly as written, so the
    /// report stays copy-paste ready.
    /// </summary>
    private static IEnumerable<JsonNode> ReportBlocks(string[] report, int shown)
    {
        foreach (var line in report.Take(shown))
        {
            yield return new JsonObject
            {
                ["type"] = "RichTextBlock",
                ["spacing"] = "None",
                ["inlines"] = new JsonArray(new JsonObject
                {
                    // An empty run would collapse the blank line between the report's paragraphs.
                    ["type"] = "TextRun", ["text"] = line.Length == 0 ? " " : line, ["fontType"] = "Monospace", ["size"] = "Small",
                }),
            };
        }
        if (shown < report.Length) yield return Note($"… and {report.Length - shown} more lines: the email carries the whole report.");
    }

    /// <summary>Red for what needs someone now, amber for a reminder of what is already known, green for an all-clear.</summary>
    private static string TitleColor(string kind) => kind switch
    {
        Alert.DuplicateKind or Alert.NoConversationKind or Alert.IncidentOpenedKind or Alert.IncidentReopenedKind => "Attention",
        Alert.IncidentResolvedKind => "Good",
        _ => "Warning",
    };

    private static string Heading(AlertConversation c, int number) =>
        $"#{number.ToString(CultureInfo.InvariantCulture)} {c.ConversationId}{(c.Blank ? " (blank)" : "")}";

    private static string Start(AlertConversation c) => c.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Duration(AlertConversation c) => c.DurationSecs.ToString(CultureInfo.InvariantCulture) + " s";

    private static string Termination(AlertConversation c) => string.IsNullOrEmpty(c.TerminationReason) ? "—" : c.TerminationReason;

    /// <summary>One conversation as a narrow screen reads it: its number and id, then the table's columns as facts.</summary>
    private static JsonObject ConversationContainer(AlertConversation c, int number)
    {
        (string Title, string Value)[] facts =
        [
            ("Status", string.IsNullOrEmpty(c.Evidence) ? c.Status : $"{c.Status} — {c.Evidence}"),
            ("Start (UTC)", Start(c)),
            ("Duration", Duration(c)),
            ("has_audio", c.HasAudio ? "true" : "false"),
            ("Termination", Termination(c)),
            ("Source", c.Origin ?? "unknown"),
        ];
        return new JsonObject
        {
            ["type"] = "Container",
            ["targetWidth"] = NarrowOnly,
            ["separator"] = true,
            ["items"] = new JsonArray(
                new JsonObject { ["type"] = "TextBlock", ["text"] = Heading(c, number), ["weight"] = "Bolder", ["wrap"] = true },
                new JsonObject
                {
                    ["type"] = "FactSet",
                    ["spacing"] = "Small",
                    ["facts"] = new JsonArray(facts.Select(f => (JsonNode)new JsonObject { ["title"] = f.Title, ["value"] = f.Value }).ToArray()),
                }),
        };
    }

    private static JsonObject Note(string text) => new()
    {
        ["type"] = "TextBlock", ["text"] = text, ["isSubtle"] = true, ["size"] = "Small", ["wrap"] = true,
    };

    private static JsonObject ConversationTable(IReadOnlyList<AlertConversation> conversations)
    {
        static JsonObject Cell(string text, bool bold = false, string? detail = null)
        {
            var items = new JsonArray(new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true, ["weight"] = bold ? "Bolder" : "Default" });
            // The evidence under the status, small and subtle: read when comparing the records, skipped otherwise.
            if (!string.IsNullOrEmpty(detail))
                items.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = detail, ["wrap"] = true, ["size"] = "Small", ["isSubtle"] = true, ["spacing"] = "None" });
            return new JsonObject { ["type"] = "TableCell", ["items"] = items };
        }

        string[] headers = ["Conversation", "Status", "Start (UTC)", "Duration", "has_audio", "Termination", "Source"];
        var rows = new JsonArray(new JsonObject
        {
            ["type"] = "TableRow",
            ["style"] = "emphasis",
            ["cells"] = new JsonArray(headers.Select(h => (JsonNode)Cell(h, bold: true)).ToArray()),
        });
        foreach (var (c, i) in conversations.Select((c, i) => (c, i)))
        {
            rows.Add(new JsonObject
            {
                ["type"] = "TableRow",
                ["cells"] = new JsonArray(
                    Cell(Heading(c, i + 1)),
                    Cell(c.Status, detail: c.Evidence),
                    Cell(Start(c)),
                    Cell(Duration(c)),
                    Cell(c.HasAudio ? "true" : "false"),
                    Cell(Termination(c)),
                    Cell(c.Origin ?? "unknown")),
            });
        }

        return new JsonObject
        {
            ["type"] = "Table",
            ["targetWidth"] = WideOnly,
            ["gridStyle"] = "accent",
            ["firstRowAsHeader"] = true,
            ["columns"] = new JsonArray(new[] { 3, 1, 2, 1, 1, 2, 2 }.Select(w => (JsonNode)new JsonObject { ["width"] = w }).ToArray()),
            ["rows"] = rows,
        };
    }
}

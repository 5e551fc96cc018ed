using System.Text.Json.Nodes;
using ConvoFunctions.Alerts;
using ConvoFunctions.Detection;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Tests.Alerts;

/// <summary>The card against the Adaptive Card 1.5 shape Teams accepts, and the email body.</summary>
public sealed class TeamsCardTests
{
    // Elements and actions defined by Adaptive Cards up to 1.5 (1.6+ elements are not rendered by Teams).
    private static readonly HashSet<string> Elements15 =
    [
        "TextBlock", "Image", "Media", "RichTextBlock", "TextRun", "ActionSet", "Container", "ColumnSet", "Column",
        "FactSet", "ImageSet", "Table", "TableRow", "TableCell",
        "Input.Text", "Input.Number", "Input.Date", "Input.Time", "Input.Toggle", "Input.ChoiceSet",
    ];

    private static readonly HashSet<string> Actions15 = ["Action.OpenUrl", "Action.Submit", "Action.ShowCard", "Action.ToggleVisibility", "Action.Execute"];

    internal static Alert SampleAlert()
    {
        var group = DuplicateGrouper.Group([Samples.Real, Samples.Blank], TimeSpan.FromMinutes(2)).Single();
        return new AlertFactory(Options.Create(new AlertOptions())).ForDuplicate(group, group.Key, null, DateTimeOffset.FromUnixTimeSeconds(1763997000));
    }

    [Fact]
    public void Card_is_Adaptive_Card_1_5_with_only_1_5_elements()
    {
        var message = TeamsCard.Message(SampleAlert());
        var card = message["attachments"]![0]!["content"]!.AsObject();

        Assert.Equal("AdaptiveCard", (string?)card["type"]);
        Assert.Equal("1.5", (string?)card["version"]);
        Assert.Equal("http://adaptivecards.io/schemas/adaptive-card.json", (string?)card["$schema"]);

        var types = new List<string>();
        Walk(card["body"]!, types);
        Assert.NotEmpty(types);
        Assert.All(types, t => Assert.Contains(t, Elements15));
        Assert.Contains("Table", types);
        Assert.Contains("FactSet", types);

        var actions = card["actions"]!.AsArray();
        Assert.All(actions, a => Assert.Contains((string)a!["type"]!, Actions15));
        Assert.Equal(
            ["https://elevenlabs.io/app/agents/history/conv_sample_blank_02", "https://elevenlabs.io/app/agents/history/conv_sample_real_01"],
            actions.Select(a => (string?)a!["url"]));

        // One row per conversation plus the header, seven cells each (the last is how the conversation was opened).
        var table = card["body"]!.AsArray().Single(e => (string?)e!["type"] == "Table")!;
        Assert.Equal(3, table["rows"]!.AsArray().Count);
        Assert.All(table["rows"]!.AsArray(), r => Assert.Equal(7, r!["cells"]!.AsArray().Count));
        Assert.Equal(7, table["columns"]!.AsArray().Count);

        var json = TeamsCard.Serialize(message);
        Assert.DoesNotContain("447700900123", json);
        Assert.DoesNotContain("7700900", json);
        Assert.Contains("+44******0123", json);
    }

    [Fact]
    public void Email_html_encodes_and_carries_the_support_report()
    {
        var alert = SampleAlert() with { Summary = "<script>alert(1)</script>" };
        var email = EmailBody.For(alert);
        Assert.DoesNotContain("<script>", email.Html);
        Assert.Contains("&lt;script&gt;", email.Html);
        Assert.Contains("Hello ElevenLabs support", email.PlainText);
        Assert.Contains("Call SID:    CAaaaa1111bbbb2222cccc3333dddd4444", alert.SupportReport);
        Assert.Contains("conv_sample_real_01  started 2025-11-24 15:00:00 UTC", alert.SupportReport);
        Assert.Contains("conv_sample_blank_02  started 2025-11-24 14:59:59 UTC", alert.SupportReport);
    }

    [Fact]
    public void The_support_report_keeps_every_line_a_line_in_Teams()
    {
        var alert = SampleAlert();
        var card = TeamsCard.Message(alert)["attachments"]![0]!["content"]!;
        var report = card["body"]!.AsArray().Last()!["items"]!.AsArray().Skip(1).ToList();

        // Teams' Markdown merges single newlines and turns "- " into bullets; a TextRun is shown as written.
        Assert.All(report, block => Assert.Equal("RichTextBlock", (string?)block!["type"]));
        var lines = report.Select(block => (string)block!["inlines"]![0]!["text"]!).ToList();
        Assert.Equal(alert.SupportReport.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).Select(l => l.Length == 0 ? " " : l), lines);
        Assert.Contains(lines, l => l.StartsWith("- conv_sample_real_01", StringComparison.Ordinal));
        Assert.DoesNotContain(card.ToJsonString(), "\"type\":\"TextBlock\",\"text\":\"Subject:");
    }

    [Fact]
    public void The_likely_cause_is_labelled_once()
    {
        var alert = SampleAlert();
        var cause = Assert.Single(alert.Facts, f => f.Name == "Likely cause").Value;
        Assert.StartsWith("the platform created both conversations", cause);
        Assert.DoesNotContain("Likely cause: Likely cause", EmailBody.For(alert).PlainText);
        Assert.Contains("Likely cause: the platform created both conversations", EmailBody.For(alert).PlainText);
    }

    [Fact]
    public void A_card_of_a_call_with_many_conversations_stays_under_the_Teams_limit_and_says_what_it_left_out()
    {
        var one = SampleAlert();
        var many = one with
        {
            Conversations = Enumerable.Range(0, 60).Select(i => one.Conversations[i % 2] with { ConversationId = $"conv_many_{i:D2}_0123456789abcdef" }).ToList(),
            SupportReport = string.Join("\n", Enumerable.Range(0, 60).Select(i => $"- conv_many_{i:D2}_0123456789abcdef  started 2025-11-24 15:00:00 UTC  status done  duration 142 s  messages 10  has_audio true")),
        };

        var small = TeamsCard.Serialize(TeamsCard.Message(one));
        var large = TeamsCard.Serialize(TeamsCard.Message(many));

        Assert.DoesNotContain("more conversations", small);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(large) <= TeamsCard.MaxBytes, $"{large.Length} bytes");
        Assert.Matches(@"… and \d+ more conversations", large);
        Assert.Matches(@"… and \d+ more lines", large);
        Assert.Contains("conv_many_00_0123456789abcdef", large);
    }

    [Fact]
    public void Alert_payload_round_trips_through_the_ledger_json()
    {
        var alert = SampleAlert();
        var back = Alert.FromJson(alert.ToJson());
        Assert.Equal(alert.Title, back.Title);
        Assert.Equal(alert.Conversations, back.Conversations);
        Assert.Equal(alert.Facts, back.Facts);
    }

    private static void Walk(JsonNode node, List<string> types)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array) if (item is not null) Walk(item, types);
                break;
            case JsonObject obj:
                if (obj["type"] is JsonValue v && v.TryGetValue<string>(out var type)) types.Add(type);
                foreach (var (name, child) in obj)
                {
                    if (name is "body" or "items" or "columns" or "rows" or "cells" && child is not null) Walk(child, types);
                }
                break;
        }
    }
}

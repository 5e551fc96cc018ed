using System.Text;
using System.Text.Json.Nodes;
using ConvoFunctions.Alerts;
using ConvoFunctions.Detection;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Tests.Alerts;

/// <summary>
/// Every kind of card as Microsoft's own Adaptive Cards renderer parses it (version 1.5, zero parse events and zero
/// validation failures), and read the way Teams shows it: a table when wide, a container per conversation when narrow,
/// short actions, the report line by line, under the size Teams accepts.
/// </summary>
public sealed class AdaptiveCardRendererTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1763997000);
    private static readonly DateTimeOffset Begin = DateTimeOffset.FromUnixTimeSeconds(1763996400);

    private static AlertFactory Factory => new(Options.Create(new AlertOptions()));

    private static Incident IncidentOf(string status = IncidentStatus.Open, bool quiet = false)
    {
        var call = TeamsCardTests.SampleAlert();
        return new Incident
        {
            Pattern = new IncidentPattern("agent_01jx7sample0000000000000", Verdict.RealPlusBlank, "same-source"),
            Status = status,
            Episode = 1,
            FirstSeen = Begin,
            LastSeen = Begin.AddMinutes(27),
            Count = 10,
            Cause = "same-source",
            Examples = [.. Enumerable.Range(0, Incident.MaxExamples).Select(i => IncidentExample.Of(call, Begin.AddMinutes(3 * i)))],
            LastPostCount = 4,
            QuietNoted = quiet,
            ResolvedAt = Begin.AddHours(3),
        };
    }

    /// <summary>A call whose every one of 60 conversations was recorded within two minutes: the largest card there is.</summary>
    private static Alert Sixty()
    {
        var conversations = Enumerable.Range(0, 60).Select(i => Samples.Parse(Samples.Variant(
            i % 2 == 0 ? Samples.RealJson() : Samples.BlankJson(), $"conv_sixty_{i:D2}_0123456789abcdef", Begin.ToUnixTimeSeconds() + i, "CAaaaa1111bbbb2222cccc3333dddd4444")));
        var group = DuplicateGrouper.Group(conversations, TimeSpan.FromMinutes(2)).Single();
        Assert.Equal(60, group.Conversations.Count);
        return Factory.ForDuplicate(group, group.Key, null, Now);
    }

    public static TheoryData<string> Kinds() =>
    [
        "duplicate", "no-conversation", "incident-opened", "incident-rollup", "incident-rollup-quiet", "incident-resolved", "incident-reopened",
    ];

    private static Alert Of(string kind) => kind switch
    {
        "duplicate" => TeamsCardTests.SampleAlert(),
        "no-conversation" => Factory.ForNoConversation("CAaaaa1111bbbb2222cccc3333dddd4444", "agent_01jx7sample0000000000000", "+44******0123", [Begin], Now),
        "incident-opened" => IncidentPosts.Opened(IncidentOf(), Now)(0),
        "incident-rollup" => IncidentPosts.Rollup(IncidentOf(), Now)(1),
        "incident-rollup-quiet" => IncidentPosts.Rollup(IncidentOf(quiet: true), Now)(1),
        "incident-resolved" => IncidentPosts.Resolved(IncidentOf(IncidentStatus.Resolved), Now)(2),
        "incident-reopened" => IncidentPosts.Reopened(IncidentOf(), Now)(0),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static JsonObject CardOf(JsonObject message) => message["attachments"]![0]!["content"]!.AsObject();

    private static IEnumerable<JsonObject> Body(JsonObject card) => card["body"]!.AsArray().Select(e => e!.AsObject());

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Every_kind_of_card_parses_in_the_official_renderer_without_a_single_event(string kind)
    {
        var message = TeamsCard.Message(Of(kind));
        var check = await AdaptiveCardRenderer.CheckAsync(TeamsCard.Serialize(message));
        Assert.Equal(1, check.Cards);
        Assert.Empty(check.Issues);
        Assert.Equal("1.5", (string?)CardOf(message)["version"]);
    }

    [Fact]
    public async Task The_renderer_check_reports_what_Teams_would_not_render()
    {
        // Without this the tests above could pass on a check that sees nothing.
        var card = CardOf(TeamsCard.Message(TeamsCardTests.SampleAlert()));
        card["body"]![0]!["color"] = "Red";
        card["body"]!.AsArray().Add(new JsonObject { ["type"] = "Carousel", ["pages"] = new JsonArray() });
        card["actions"]![0]!.AsObject().Remove("url");

        var check = await AdaptiveCardRenderer.CheckAsync(TeamsCard.Serialize(card));
        Assert.Equal(["InvalidPropertyValue", "UnknownElementType", "PropertyCantBeNull"], check.Issues.Select(i => i.Event));
    }

    [Theory]
    [InlineData("duplicate", "Attention")]
    [InlineData("no-conversation", "Attention")]
    [InlineData("incident-opened", "Attention")]
    [InlineData("incident-reopened", "Attention")]
    [InlineData("incident-rollup", "Warning")]
    [InlineData("incident-resolved", "Good")]
    public void The_title_is_red_for_what_needs_someone_amber_for_a_reminder_green_for_an_all_clear(string kind, string color)
    {
        var title = Body(CardOf(TeamsCard.Message(Of(kind)))).First();
        Assert.Equal(color, (string?)title["color"]);
    }

    [Fact]
    public async Task A_call_of_60_conversations_stays_under_the_Teams_limit_in_both_layouts_and_parses_cleanly()
    {
        var alert = Sixty();
        var message = TeamsCard.Message(alert);
        var json = TeamsCard.Serialize(message);

        Assert.True(Encoding.UTF8.GetByteCount(json) <= TeamsCard.MaxBytes, $"{Encoding.UTF8.GetByteCount(json)} bytes");
        Assert.Empty((await AdaptiveCardRenderer.CheckAsync(json)).Issues);

        // The cap shrinks the table and the narrow containers alike: both show the same conversations.
        var card = CardOf(message);
        var table = Body(card).Single(e => (string?)e["type"] == "Table");
        var narrow = Body(card).Where(e => (string?)e["targetWidth"] == TeamsCard.NarrowOnly).ToList();
        Assert.InRange(narrow.Count, 2, 59);
        Assert.Equal(narrow.Count, table["rows"]!.AsArray().Count - 1);
        Assert.Contains($"… and {60 - narrow.Count} more conversations", json);
        Assert.Equal(5, card["actions"]!.AsArray().Count);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_line_of_the_support_report_is_its_own_element(string kind)
    {
        var alert = Of(kind);
        var card = CardOf(TeamsCard.Message(alert));

        // Teams' Markdown merges single newlines into one paragraph: no TextBlock may rely on one.
        var texts = Descendants(card).Where(e => (string?)e["type"] is "TextBlock" or "TextRun").Select(e => (string)e["text"]!).ToList();
        Assert.All(texts, t => Assert.DoesNotContain('\n', t));

        var report = Body(card).Last()["items"]!.AsArray().Skip(1).Select(e => e!.AsObject()).ToList();
        var lines = alert.SupportReport.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(lines.Count, report.Count);
        Assert.All(report, block => Assert.Equal("RichTextBlock", (string?)block["type"]));
        Assert.Equal(lines.Select(l => l.Length == 0 ? " " : l), report.Select(b => (string)Assert.Single(b["inlines"]!.AsArray())!["text"]!));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_likely_cause_is_never_labelled_twice(string kind)
    {
        var alert = Of(kind);
        foreach (var text in new[] { TeamsCard.Serialize(TeamsCard.Message(alert)), EmailBody.For(alert).PlainText, EmailBody.For(alert).Html, alert.SupportReport })
        {
            Assert.DoesNotContain("Likely cause: Likely cause", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Likely cause:    Likely cause", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("duplicate")]
    [InlineData("incident-opened")]
    [InlineData("sixty")]
    public void Wide_shows_the_table_narrow_a_container_per_conversation_and_actions_are_short_with_the_id_as_tooltip(string kind)
    {
        var alert = kind == "sixty" ? Sixty() : Of(kind);
        var card = CardOf(TeamsCard.Message(alert));

        var table = Body(card).Single(e => (string?)e["type"] == "Table");
        Assert.Equal("atLeast:Wide", (string?)table["targetWidth"]);
        var rows = table["rows"]!.AsArray().Skip(1).Select(r => (string)r!["cells"]![0]!["items"]![0]!["text"]!).ToList();

        var narrow = Body(card).Where(e => e["targetWidth"] is not null && e != table).ToList();
        Assert.Equal(rows.Count, narrow.Count);
        for (var i = 0; i < narrow.Count; i++)
        {
            var container = narrow[i];
            var conversation = alert.Conversations[i];
            Assert.Equal(("Container", "atMost:Standard"), ((string?)container["type"], (string?)container["targetWidth"]));
            var heading = $"#{i + 1} {conversation.ConversationId}{(conversation.Blank ? " (blank)" : "")}";
            Assert.Equal(heading, (string?)container["items"]![0]!["text"]);
            Assert.Equal(heading, rows[i]);
            var facts = container["items"]![1]!["facts"]!.AsArray().Select(f => (string)f!["title"]!).ToList();
            Assert.Equal(["Status", "Start (UTC)", "Duration", "has_audio", "Termination", "Source"], facts);
            if (conversation.Evidence is { Length: > 0 } evidence) Assert.EndsWith(evidence, (string?)container["items"]![1]!["facts"]![0]!["value"]);
        }

        var actions = card["actions"]!.AsArray().Select(a => a!.AsObject()).ToList();
        Assert.InRange(actions.Count, 1, 5);
        for (var i = 0; i < actions.Count; i++)
        {
            var title = (string)actions[i]["title"]!;
            Assert.True(title.Length <= 8, title);
            Assert.Equal($"Open {i + 1}", title);
            Assert.Equal(alert.Conversations[i].ConversationId, (string?)actions[i]["tooltip"]);
            Assert.Equal(alert.Conversations[i].Url, (string?)actions[i]["url"]);
        }
    }

    private static IEnumerable<JsonObject> Descendants(JsonNode node)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array.OfType<JsonNode>()) foreach (var d in Descendants(item)) yield return d;
                break;
            case JsonObject obj:
                yield return obj;
                foreach (var (_, child) in obj) if (child is not null) foreach (var d in Descendants(child)) yield return d;
                break;
        }
    }
}

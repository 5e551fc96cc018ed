using System.Text.Json.Nodes;
using ConvoFunctions.Detection;
using ConvoFunctions.Tests.Configuration;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Detection;

/// <summary>docs/detection.md's table of blank and real examples, run as written: the docs and the rule cannot drift apart.</summary>
public sealed class BlankRuleExamplesTests
{
    private static readonly string[] RequiredExamples =
    [
        "the seed's stuck conversation", "an initiation failure", "opened and closed at once by code",
        "the agent's greeting only", "a caller who hung up after 3 s", "a real call",
    ];

    private sealed record Example(string Name, string Status, int UserMessages, int AgentMessages, bool UserAudio, int Duration, bool Blank, bool NextToReal);

    private static List<Example> Examples()
    {
        var lines = File.ReadAllLines(SettingsContractTests.RepoFile("docs/detection.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| example | status |", StringComparison.Ordinal));
        Assert.True(header >= 0, "docs/detection.md has no table of examples");
        return lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).Select(l =>
        {
            var cells = l.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            return new Example(cells[0], cells[1], int.Parse(cells[2]), int.Parse(cells[3]), bool.Parse(cells[4]), int.Parse(cells[5]),
                cells[6] == "yes", cells[7].StartsWith("next to the real one", StringComparison.Ordinal));
        }).ToList();
    }

    [Fact]
    public void The_table_holds_every_example_the_rule_was_written_for() =>
        Assert.Equal(RequiredExamples.Order(), Examples().Select(e => e.Name).Order());

    [Fact]
    public void Every_example_is_judged_as_the_table_says()
    {
        foreach (var example in Examples())
        {
            var conversation = Samples.Parse(AsApiAnswers(example));
            Assert.True(example.Blank == conversation.IsBlank, $"{example.Name}: blank should be {example.Blank}");

            var call = Assert.Single(DuplicateGrouper.Group(example.NextToReal ? [conversation, Samples.Real] : [conversation], TimeSpan.FromMinutes(2)));
            if (example.NextToReal) Assert.Equal(Verdict.RealPlusBlank, call.Verdict); // the verdict that alerts by default
            else Assert.False(call.IsDuplicate, $"{example.Name}: one conversation is no duplicate");
        }
    }

    /// <summary>The example as the API's GET conversation answers it, on the fixtures' call.</summary>
    private static JsonObject AsApiAnswers(Example example)
    {
        var json = Samples.Variant(Samples.BlankJson(), "conv_example", 1763996399, "CAaaaa1111bbbb2222cccc3333dddd4444");
        json["status"] = example.Status;
        var transcript = new JsonArray();
        for (var i = 0; i < Math.Max(example.UserMessages, example.AgentMessages); i++)
        {
            if (i < example.AgentMessages) transcript.Add(new JsonObject { ["role"] = "agent", ["message"] = "Hello", ["time_in_call_secs"] = i });
            if (i < example.UserMessages) transcript.Add(new JsonObject { ["role"] = "user", ["message"] = "Hi", ["time_in_call_secs"] = i });
        }
        json["transcript"] = transcript;
        json["metadata"]!["call_duration_secs"] = example.Duration;
        json["has_user_audio"] = example.UserAudio;
        json["has_audio"] = example.AgentMessages > 0 || example.UserAudio;
        json["has_response_audio"] = example.AgentMessages > 0;
        return json;
    }
}

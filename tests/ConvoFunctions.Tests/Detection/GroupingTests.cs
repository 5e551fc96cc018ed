using ConvoFunctions.Privacy;
using ConvoFunctions.Alerts;
using ConvoFunctions.Detection;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Detection;

/// <summary>The pure parts: parsing, classification, grouping, verdicts, masking.</summary>
public sealed class GroupingTests
{
    private static readonly TimeSpan Gap = TimeSpan.FromMinutes(2);

    [Fact]
    public void Fixtures_parse_and_classify()
    {
        var real = Samples.Real;
        var blank = Samples.Blank;
        Assert.Equal("CAaaaa1111bbbb2222cccc3333dddd4444", real.CallKey);
        Assert.Equal(real.CallKey, blank.CallKey);
        Assert.Equal("+447700900123", real.Caller);
        Assert.Equal("inbound", real.Direction);
        Assert.Equal(10, real.MessageCount);
        Assert.Equal(142, real.DurationSecs);
        Assert.False(real.IsBlank);
        Assert.True(blank.IsBlank);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763996399), blank.StartTime);
    }

    [Theory]
    [InlineData("initiated", 0, false, 0, true)]
    [InlineData("failed", 0, false, 0, true)]
    [InlineData("failed", 5, false, 0, true)] // at most Detection:BlankMaxSeconds
    [InlineData("failed", 6, false, 0, false)] // it lasted: not the empty record support asks about
    [InlineData("done", 0, false, 0, true)] // done, yet the caller never spoke
    [InlineData("done", 12, false, 0, false)]
    [InlineData("done", 0, true, 0, false)] // the caller's audio
    [InlineData("initiated", 0, false, 1, false)] // the caller's message
    public void Blank_rule(string status, int duration, bool hasUserAudio, int userMessages, bool blank)
    {
        var c = Samples.Real with { Status = status, DurationSecs = duration, HasUserAudio = hasUserAudio, UserMessageCount = userMessages, MessageCount = userMessages + 3 };
        Assert.Equal(blank, c.IsBlank);
    }

    [Fact]
    public void A_reused_call_id_joins_only_within_the_call_span()
    {
        var laterSameSid = Samples.Blank with { ConversationId = "three_hours_later", StartTime = Samples.Real.StartTime.AddHours(3) };
        var shared = new HashSet<string>();

        var groups = DuplicateGrouper.Group([Samples.Real, Samples.Blank, laterSameSid], new GroupingRules(Gap, Gap, TimeSpan.Zero), shared);

        Assert.Equal(2, groups.Count);
        Assert.Equal(["conv_sample_blank_02", "conv_sample_real_01"], groups[0].ConversationIds.Order());
        Assert.Equal(["CAaaaa1111bbbb2222cccc3333dddd4444"], shared);
    }

    [Theory]
    [InlineData(true, 5)] // a constant system__call_sid on calls of different callers: each call its own
    [InlineData(false, 2)] // one caller: calls join only within MaxCallSpan of the call's first conversation (0–100 min, 150–200 min)
    public void A_constant_call_id_on_calls_minutes_apart_does_not_chain_them_into_one(bool callerPerCall, int calls)
    {
        var conversations = Enumerable.Range(0, 5).SelectMany(i => new[]
        {
            Samples.Real with { ConversationId = $"real_{i}", StartTime = Samples.Real.StartTime.AddMinutes(50 * i), Caller = callerPerCall ? $"+44770090{i:D4}" : Samples.Real.Caller },
            Samples.Blank with { ConversationId = $"blank_{i}", StartTime = Samples.Real.StartTime.AddMinutes(50 * i).AddSeconds(-1), Caller = callerPerCall ? $"+44770090{i:D4}" : Samples.Real.Caller },
        });
        var shared = new HashSet<string>();

        var groups = DuplicateGrouper.Group(conversations, new GroupingRules(Gap, Gap, TimeSpan.Zero), shared);

        Assert.Equal(calls, groups.Count);
        Assert.Equal(["CAaaaa1111bbbb2222cccc3333dddd4444"], shared);
        if (callerPerCall) Assert.All(groups, g => Assert.Equal(g.ConversationIds.Order().First().Replace("blank", "real", StringComparison.Ordinal), g.ConversationIds.Order().Last()));
    }

    [Fact]
    public void The_blank_duration_is_the_grouping_setting()
    {
        var sixSeconds = Samples.Blank with { DurationSecs = 6 };
        Assert.False(sixSeconds.IsBlank);
        var judged = DuplicateGrouper.Group([sixSeconds, Samples.Real], new GroupingRules(Gap, Gap, TimeSpan.Zero, BlankMaxSeconds: 10));
        Assert.True(Assert.Single(judged).Conversations.Single(c => c.ConversationId == sixSeconds.ConversationId).IsBlank);
    }

    [Fact]
    public void Same_call_key_groups_and_gets_the_verdict()
    {
        var groups = DuplicateGrouper.Group([Samples.Real, Samples.Blank], Gap);
        var group = Assert.Single(groups);
        Assert.False(group.IsFuzzy);
        Assert.Equal(["conv_sample_blank_02", "conv_sample_real_01"], group.Conversations.Select(c => c.ConversationId));
        Assert.Equal(Verdict.RealPlusBlank, group.Verdict);
        Assert.Equal(Verdict.TwoReal, Verdicts.Of([Samples.Real, Samples.Real with { ConversationId = "x" }]));
        Assert.Equal(Verdict.AllBlank, Verdicts.Of([Samples.Blank, Samples.Blank with { ConversationId = "x" }]));
        Assert.Equal(Verdict.Single, Verdicts.Of([Samples.Real]));
    }

    [Fact]
    public void Keyless_conversations_group_by_agent_caller_and_gap_only()
    {
        var a = Samples.Real with { CallKey = null, CallSid = null };
        var b = Samples.Blank with { CallKey = null, CallSid = null };
        var later = a with { ConversationId = "later", StartTime = a.StartTime.AddMinutes(5) };
        var otherCaller = b with { ConversationId = "other-caller", Caller = "+447700900999" };
        var otherAgent = b with { ConversationId = "other-agent", AgentId = "agent_other" };

        var groups = DuplicateGrouper.Group([a, b, later, otherCaller, otherAgent], Gap);

        var pair = Assert.Single(groups, g => g.IsDuplicate);
        Assert.True(pair.IsFuzzy);
        Assert.Equal(["conv_sample_blank_02", "conv_sample_real_01"], pair.Conversations.Select(c => c.ConversationId));
        // Named by its first conversation: nothing derived from the caller's number, so nothing to reverse by
        // enumerating numbers, and no secret to keep for it.
        Assert.Equal("fuzzy:agent_01jx7sample0000000000000:conv_sample_blank_02", pair.Key);
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("447700900123")));
        Assert.DoesNotContain(digest[..8], pair.Key);
        Assert.Equal(5, groups.Sum(g => g.Conversations.Count));
    }

    [Fact]
    public void Keyless_blank_joins_the_keyed_call_it_started_next_to()
    {
        var blank = Samples.Blank with { CallKey = null, CallSid = null };
        var group = Assert.Single(DuplicateGrouper.Group([Samples.Real, blank], Gap));
        Assert.Equal("CAaaaa1111bbbb2222cccc3333dddd4444", group.Key);
        Assert.Equal(2, group.Conversations.Count);
    }

    [Fact]
    public void Conversations_sharing_any_telephony_id_are_one_call_whichever_ids_each_carries()
    {
        // The real one carries call_sid and SIP call_id; one sibling only the call_id (an initiation failure's SIP body),
        // another only the call_sid.
        var real = Samples.Real with { CallKey = "sid_9", OtherCallKeys = ["cid@pbx"] };
        var onlyCallId = Samples.Blank with { ConversationId = "only_call_id", CallKey = "cid@pbx", OtherCallKeys = [] };
        var onlySid = Samples.Blank with { ConversationId = "only_sid", CallKey = "sid_9", OtherCallKeys = [] };

        var group = Assert.Single(DuplicateGrouper.Group([onlyCallId, real, onlySid], Gap));

        Assert.Equal(3, group.Conversations.Count);
        Assert.Equal("cid@pbx", group.Key); // the smallest key: the same whatever order they arrive in
        Assert.Equal(group.Key, Assert.Single(DuplicateGrouper.Group([onlySid, real, onlyCallId], Gap)).Key);
    }

    [Fact]
    public void A_blank_session_without_phone_metadata_next_to_a_call_of_its_agent_is_a_probable_sibling()
    {
        var session = Samples.Blank with
        {
            ConversationId = "sdk", CallKey = null, OtherCallKeys = [], Provider = null, Caller = null, CallSid = null, Direction = null,
            Origin = new("python_sdk", "2.0.1", "signed_url"),
        };
        var near = session with { StartTime = Samples.Real.StartTime.AddSeconds(2) };
        var far = session with { ConversationId = "widget", StartTime = Samples.Real.StartTime.AddSeconds(90) };
        var realSession = near with { ConversationId = "real_web", Status = "done", MessageCount = 4, UserMessageCount = 2 };

        var groups = DuplicateGrouper.Group([Samples.Real, near, far, realSession], Gap);

        var call = Assert.Single(groups, g => g.IsDuplicate);
        Assert.Equal(["conv_sample_real_01", "sdk"], call.ConversationIds.Order());
        Assert.Equal(["sdk"], call.Probable);
        Assert.Equal(Verdict.RealPlusBlank, call.Verdict);
    }

    [Fact]
    public void A_conversation_is_judged_only_once_settled()
    {
        var start = Samples.Blank.StartTime;
        var delay = TimeSpan.FromMinutes(2);
        Assert.False((Samples.Blank with { ReadAt = start.AddSeconds(5) }).IsSettled(delay)); // still "initiated" 5 s in
        Assert.True((Samples.Blank with { ReadAt = start.AddMinutes(3) }).IsSettled(delay));
        Assert.True((Samples.Blank with { Status = "failed", ReadAt = start.AddSeconds(5) }).IsSettled(delay)); // final
        Assert.True((Samples.Blank with { ReadAt = start.AddSeconds(5), FailureReason = "busy" }).IsSettled(delay));
        // The API does not know it (404): nothing will change, and it is neither blank nor a probable sibling.
        var notFound = Samples.Blank with { Status = "unknown", ReadAt = null, Source = "not_found", CallKey = null, Provider = null, Caller = null };
        Assert.True(notFound.IsSettled(delay));
        Assert.False(notFound.IsBlank);
    }

    [Fact]
    public void Different_calls_of_one_caller_minutes_apart_stay_apart()
    {
        var second = Samples.Real with { ConversationId = "second", CallSid = "CAsecond", CallKey = "CAsecond", StartTime = Samples.Real.StartTime.AddMinutes(3) };
        var groups = DuplicateGrouper.Group([Samples.Real, second], Gap);
        Assert.Equal(2, groups.Count);
        Assert.All(groups, g => Assert.False(g.IsDuplicate));
    }

    [Fact]
    public void Discovery_ranges_merge_per_agent()
    {
        var t = Samples.Real.StartTime;
        var ranges = SiblingDiscovery.MergedRanges(
            [Samples.Real, Samples.Real with { ConversationId = "b", StartTime = t.AddSeconds(30) }, Samples.Real with { ConversationId = "c", StartTime = t.AddMinutes(30) }, Samples.Real with { ConversationId = "d", AgentId = "b" }],
            Gap);
        Assert.Equal(3, ranges.Count);
        Assert.Contains(ranges, r => r.Calls.SequenceEqual(["conv_sample_real_01", "b"]));
        Assert.Contains(ranges, r => r.AgentId == Samples.Real.AgentId && r.From == t.AddSeconds(-121) && r.To == t.AddSeconds(151));
    }

    [Fact]
    public void Discovery_serves_agents_in_turn_so_one_agents_backlog_does_not_starve_the_others()
    {
        var t = Samples.Real.StartTime;
        var busy = Enumerable.Range(0, 3).Select(i => Samples.Real with { ConversationId = $"busy_{i}", AgentId = "busy", StartTime = t.AddMinutes(30 * i) });
        var quiet = Samples.Real with { ConversationId = "quiet_0", AgentId = "quiet", StartTime = t.AddMinutes(45) };

        var ranges = SiblingDiscovery.MergedRanges([.. busy, quiet], Gap);

        Assert.Equal(["busy_0", "quiet_0", "busy_1", "busy_2"], ranges.Select(r => r.Calls.Single()));
    }

    [Theory]
    [InlineData("+447700900123", "+44******0123")]
    [InlineData("+442079460123", "+44******0123")]
    [InlineData("07700 900123", "*******0123")]
    [InlineData("123", "***")]
    [InlineData(null, "unknown")]
    public void Caller_mask_keeps_plus_country_and_last_four(string? number, string masked) =>
        Assert.Equal(masked, PhoneMask.Mask(number, "unknown"));

    [Theory]
    [InlineData("RealPlusBlank", true)]
    [InlineData("real+blank, two-real", true)]
    [InlineData("AllBlank;TwoReal", true)]
    [InlineData("sometimes", false)]
    public void Verdict_lists_parse(string text, bool ok) => Assert.Equal(ok, Verdicts.TryParseList(text, out _));

    [Fact]
    public void Options_defaults_match_the_issue()
    {
        var o = new DetectionOptions();
        Assert.Equal("0 */5 * * * *", o.Schedule);
        Assert.Equal(TimeSpan.FromHours(1), o.LookBack);
        Assert.Equal(TimeSpan.FromMinutes(2), o.SettleDelay);
        Assert.Equal(TimeSpan.FromMinutes(2), o.FuzzyGap);
        Assert.Equal(TimeSpan.FromSeconds(15), o.ProbableSiblingGap);
        Assert.Equal([Verdict.RealPlusBlank], o.AlertingVerdicts);
        Assert.True(o.DiscoveryEnabled);
        Assert.True(DetectionOptions.TryParseSchedule("*/10 * * * * *", out _));
        Assert.False(DetectionOptions.TryParseSchedule("*/5 * * * *x", out _));
    }
}

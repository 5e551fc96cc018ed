using System.Text.Json;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Tests.Enrichment;

public sealed class ConversationFactsTests
{
    private static ConversationDto Parse(string json) => JsonSerializer.Deserialize<ConversationDto>(json, ElevenLabsJson.Options)!;

    private static ConversationFacts Facts(string json) => ConversationFacts.FromConversation(Parse(json), "conv_fallback", FactSources.Api, null);

    [Fact]
    public void Blank_and_real_fixtures_are_told_apart()
    {
        var real = Facts(Fixtures.Text(Fixtures.ConversationReal));
        var blank = Facts(Fixtures.Text(Fixtures.ConversationBlank));

        Assert.False(real.IsBlank);
        Assert.True(blank.IsBlank);
        Assert.Equal(real.CallKey, blank.CallKey);
        Assert.Null(blank.TerminationReason); // "" is no reason
    }

    // Blank: the caller never spoke (no user message, no user audio, at most Detection:BlankMaxSeconds), whatever the status.
    [Theory]
    [InlineData("failed", 0, 0, false, 0, true)]
    [InlineData("initiated", null, null, null, null, true)]
    [InlineData("done", 0, 0, false, 0, true)] // opened and closed at once by code
    [InlineData("done", 0, 2, false, 2, true)] // the agent's greeting alone
    [InlineData("done", 0, 0, null, 5, true)] // a missing flag is unknown: judged from transcript and duration
    [InlineData("done", 0, 0, false, 6, false)] // it lasted
    [InlineData("failed", 0, 0, true, 0, false)] // the caller's audio
    [InlineData("done", 1, 3, false, 2, false)] // the caller's message
    [InlineData("done", null, 1, false, 2, false)] // roles unknown: any message counts as the caller's
    [InlineData(null, 0, 0, false, 0, false)] // nothing described it
    [InlineData(null, null, null, null, null, true, "sip_trunking_failed")] // an initiation failure known only from its webhook
    public void The_blank_rule(string? status, int? userMessages, int? messages, bool? hasUserAudio, int? duration, bool blank, string? failureReason = null) =>
        Assert.Equal(blank, new ConversationFacts
        {
            ConversationId = "c",
            Source = FactSources.Api,
            Status = status,
            UserMessageCount = userMessages,
            MessageCount = messages,
            HasUserAudio = hasUserAudio,
            HasAudio = true, // agent audio alone does not make it real
            DurationSeconds = duration,
            FailureReason = failureReason,
        }.IsBlank);

    [Fact]
    public void Fields_the_api_adds_later_do_not_break_parsing()
    {
        var facts = Facts("""
            {"conversation_id":"c1","agent_id":"a1","status":"done","brand_new":{"nested":[1,2,{"x":null}]},
             "transcript":[{"role":"agent","message":"hi","multivoice_message":{"parts":[]}}],
             "metadata":{"start_time_unix_secs":"1763996400","call_duration_secs":12.6,"new_metric":5,
               "phone_call":{"type":"twilio","call_sid":"CA1","future_field":true}},
             "conversation_initiation_client_data":{"dynamic_variables":{"system__caller_id":"+15550001111","count":3,"flag":true,"empty":null}},
             "has_audio":true,"has_user_audio":false,"has_response_audio":true,"has_video":false}
            """);

        Assert.Equal("c1", facts.ConversationId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763996400), facts.StartTime);
        Assert.Equal(13, facts.DurationSeconds);
        Assert.Equal(1, facts.MessageCount);
        Assert.Equal("CA1", facts.CallKey);
        Assert.Equal("+15550001111", facts.SystemCallerId);
        Assert.Equal("+15550001111", facts.CounterpartNumber);
    }

    [Fact]
    public void Fields_the_api_omits_are_null()
    {
        var facts = Facts("{}");

        Assert.Equal("conv_fallback", facts.ConversationId);
        Assert.Null(facts.AgentId);
        Assert.Null(facts.Status);
        Assert.Null(facts.StartTime);
        Assert.Null(facts.DurationSeconds);
        Assert.Null(facts.MessageCount);
        Assert.Null(facts.HasAudio);
        Assert.Null(facts.Provider);
        Assert.Null(facts.CallKey);
        Assert.Null(facts.SystemCallSid);
        Assert.False(facts.IsBlank);
    }

    [Fact]
    public void Initiation_failure_reads_reason_and_twilio_callback()
    {
        var failure = InitiationFailure.Parse(BinaryData.FromBytes(Fixtures.Bytes(Fixtures.InitiationFailure)));

        Assert.Equal("no-answer", failure.Reason);
        Assert.Equal("twilio", failure.Provider);
        Assert.Equal("outbound", failure.Direction);
        Assert.Equal("CAeeee5555ffff6666aaaa7777bbbb8888", failure.CallSid);
        Assert.Equal("+442079460000", failure.AgentNumber);
        Assert.Equal("+447700900456", failure.ExternalNumber);
    }

    [Fact]
    public void Initiation_failure_without_metadata_has_no_call_key()
    {
        var failure = InitiationFailure.Parse(BinaryData.FromString("""{"type":"call_initiation_failure","data":{"conversation_id":"c","failure_reason":"busy"}}"""));
        var facts = ConversationFacts.FromInitiationFailure("c", "a", null, failure, null);

        Assert.Equal("busy", facts.FailureReason);
        Assert.Null(facts.CallKey);
    }
}

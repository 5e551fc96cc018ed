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

    [Theory]
    [InlineData("failed", 0, false, 0, true)]
    [InlineData("initiated", null, null, null, true)]
    [InlineData("done", 0, false, 0, false)]
    [InlineData("failed", 2, false, 0, false)]
    [InlineData("failed", 0, true, 0, false)]
    [InlineData("failed", 0, false, 12, false)]
    [InlineData(null, 0, false, 0, false)]
    [InlineData("initiated", 0, null, 0, false, true)] // auxiliary audio is audio
    [InlineData(null, 0, null, 0, true, false, "sip_trunking_failed")] // an initiation failure known only from its webhook
    public void The_blank_rule(string? status, int? messages, bool? hasAudio, int? duration, bool blank, bool auxiliaryAudio = false, string? failureReason = null) =>
        Assert.Equal(blank, new ConversationFacts
        {
            ConversationId = "c",
            Source = FactSources.Api,
            Status = status,
            MessageCount = messages,
            HasAudio = hasAudio,
            DurationSeconds = duration,
            HasAuxiliaryAudio = auxiliaryAudio,
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
        Assert.Equal("twilio:CA1", facts.CallKey);
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

using System.Text.Json;
using ConvoFunctions.Correlation;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Privacy;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Http.Resilience;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Tests.Enrichment;

public sealed class CallKeyTests
{
    [Theory]
    [InlineData("twilio", "CA123", null, null, "twilio:CA123")]
    [InlineData("twilio", null, null, "CA999", "twilio:CA999")] // call_sid missing: system__call_sid is Twilio's
    [InlineData("exotel", "exo123", null, null, "exotel:exo123")]
    [InlineData("sip_trunking", "sid_1", "abc@host", null, "sip:sid_1")] // call_sid is required on every phone_call; call_id is optional
    [InlineData("sip_trunking", null, "abc@host", null, "sip:abc@host")] // only a Call-ID (an initiation failure's SIP body)
    [InlineData("sip_trunking", "sid_1", null, null, "sip:sid_1")]
    [InlineData("sip_trunking", "sid_1", "  ", null, "sip:sid_1")]
    [InlineData(null, null, null, "CA777", "twilio:CA777")] // no phone_call, but a Twilio dynamic variable
    [InlineData("vonage", "v1", null, null, "vonage:v1")] // a provider added later still gets a prefixed key
    [InlineData("TWILIO", " CA1 ", null, null, "twilio:CA1")]
    public void Call_key_is_the_provider_prefixed_telephony_id(string? provider, string? callSid, string? sipCallId, string? systemCallSid, string expected) =>
        Assert.Equal(expected, CallKey.Derive(provider, callSid, sipCallId, systemCallSid));

    [Theory]
    [InlineData(null, null, null, null)]
    [InlineData("twilio", null, null, null)]
    [InlineData("exotel", "", null, "CA1")] // system__call_sid is not an Exotel id
    [InlineData("sip_trunking", null, null, null)]
    public void No_telephony_id_means_no_call_key(string? provider, string? callSid, string? sipCallId, string? systemCallSid) =>
        Assert.Null(CallKey.Derive(provider, callSid, sipCallId, systemCallSid));

    [Fact]
    public void Twilio_and_sip_ids_never_collide() =>
        Assert.NotEqual(CallKey.Derive("twilio", "X1", null, null), CallKey.Derive("sip_trunking", null, "X1", null));

    [Fact]
    public void Characters_table_keys_forbid_are_replaced()
    {
        var key = CallKey.Derive("sip_trunking", null, "a/b\\c#d?e\u0001f\u007f", null);
        Assert.Equal("sip:a_b_c_d_e_f_", key);
        Assert.Equal(256, CallKey.Sanitize(new string('x', 5000)).Length);
    }

    [Theory]
    [InlineData("+447700900123", "+44******0123")]
    [InlineData("+14155550100", "+14*****0100")]
    [InlineData("02079460000", "*******0000")]
    [InlineData("12345", "*2345")]
    [InlineData("123", "***")]
    [InlineData(null, "")]
    public void Phone_numbers_keep_prefix_and_last_four(string? number, string expected) =>
        Assert.Equal(expected, PhoneMask.Mask(number));
}

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
            ConversationId = "c", Source = FactSources.Api, Status = status, MessageCount = messages, HasAudio = hasAudio, DurationSeconds = duration,
            HasAuxiliaryAudio = auxiliaryAudio, FailureReason = failureReason,
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

public sealed class ActivityBucketTests
{
    [Fact]
    public void Buckets_are_utc_hours()
    {
        Assert.Equal("2025112415", ActivityBuckets.For(DateTimeOffset.FromUnixTimeSeconds(1763996400)));
        Assert.Equal("2025112415", ActivityBuckets.For(new DateTimeOffset(2025, 11, 24, 16, 59, 59, TimeSpan.FromHours(1))));
    }

    [Fact]
    public void A_window_reads_only_the_hours_it_overlaps()
    {
        var now = new DateTimeOffset(2025, 11, 24, 15, 10, 0, TimeSpan.Zero);

        Assert.Equal(["2025112414", "2025112415"], ActivityBuckets.Covering(now - TimeSpan.FromMinutes(30), now));
        Assert.Equal(["2025112415"], ActivityBuckets.Covering(now - TimeSpan.FromMinutes(5), now));
        Assert.Equal(["2025112323", "2025112400"], ActivityBuckets.Covering(
            new DateTimeOffset(2025, 11, 23, 23, 50, 0, TimeSpan.Zero), new DateTimeOffset(2025, 11, 24, 0, 5, 0, TimeSpan.Zero)));
    }
}

public sealed class EnrichmentConfigurationTests
{
    [Fact]
    public void Host_json_max_dequeue_count_is_the_constant_the_code_uses()
    {
        string? path = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && path is null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "host.json");
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "ConvoFunctions.sln"))) path = candidate;
        }
        Assert.NotNull(path);
        using var host = JsonDocument.Parse(File.ReadAllText(path));
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");

        Assert.Equal(QueueSettings.MaxDequeueCount, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
    }

    [Fact]
    public void Resilience_waits_out_retry_after_and_keeps_production_defaults()
    {
        var resilience = new HttpStandardResilienceOptions();
        ElevenLabsServiceCollectionExtensions.Tune(resilience, new ElevenLabsOptions());

        Assert.True(resilience.Retry.ShouldRetryAfterHeader);
        Assert.Equal(4, resilience.Retry.MaxRetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), resilience.Retry.Delay);
        Assert.Equal(TimeSpan.FromSeconds(10), resilience.AttemptTimeout.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(60), resilience.TotalRequestTimeout.Timeout);
    }
}

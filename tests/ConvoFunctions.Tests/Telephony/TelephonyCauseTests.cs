using System.Text.Json;
using ConvoFunctions.Alerts;
using ConvoFunctions.Detection;
using ConvoFunctions.Telephony;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Telephony;

/// <summary>The cause rules of the telephony side, each from the evidence that makes it, and the readings behind them.</summary>
public sealed class TelephonyCauseTests
{
    private const string Inbound = "https://api.us.elevenlabs.io/twilio/inbound_call";
    private const string TeamServer = "https://voice.example.com/answer";
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1763996400);
    private static readonly DuplicateGroup Group = new("CAaaaa1111bbbb2222cccc3333dddd4444", false, [Samples.Blank, Samples.Real]);

    private static TwilioCall Call(string sid, string direction = "inbound", string? parent = null, string to = "+442079460000") =>
        new(sid, parent, direction, "+447700900123", to, "completed", Start, Start.AddMinutes(3), 180, null, null);

    private static TwilioRequest Request(int second, string url, int? status = 200, string? errorCode = null, string? errorUrl = null, bool statusCallback = false) =>
        new(Start.AddSeconds(second), "POST", url, status, 300, errorCode, errorUrl, statusCallback);

    private static TelephonyEvidence Twilio(IReadOnlyList<TwilioRequest>? events, IReadOnlyList<TwilioCall>? legs = null) =>
        new([new TwilioCallEvidence(Call(Group.Key), legs ?? [], events, null, [], null)], null, []);

    [Fact]
    public void A_dialed_leg_to_elevenlabs_sip_is_the_cause()
    {
        var leg = Call("CA" + new string('b', 32), "outbound-dial", parent: Group.Key, to: "sip:+442079460000@sip.rtc.elevenlabs.io;transport=tls");

        var cause = TelephonyCause.Of(Group, Twilio([Request(0, TeamServer)], [leg]));

        Assert.Equal($"Likely cause: the call's TwiML dialed ElevenLabs as a child leg ({leg.Sid}, outbound-dial from {Group.Key}), " +
            "which has its own CallSid and opened a conversation of its own.", cause);
    }

    [Fact]
    public void A_dialed_leg_elsewhere_is_not_the_cause()
    {
        var leg = Call("CA" + new string('b', 32), "outbound-dial", parent: Group.Key, to: "+15550100999");

        Assert.DoesNotContain("child leg", TelephonyCause.Of(Group, Twilio([Request(0, TeamServer)], [leg])));
    }

    [Fact]
    public void Two_requests_to_the_inbound_url_without_an_error_are_a_redirect_or_a_retry()
    {
        var cause = TelephonyCause.Of(Group, Twilio([Request(0, Inbound), Request(4, Inbound), Request(180, TeamServer, statusCallback: true)]));

        Assert.Equal($"Likely cause: Twilio requested the ElevenLabs inbound URL {Inbound} twice for this call with no error between them " +
            "(at 15:00:00 UTC, 15:00:04 UTC), so a redirect or a retry of the call's TwiML opened another conversation.", cause);
    }

    [Fact]
    public void Exactly_one_twiml_request_points_at_the_teams_own_code_by_exclusion()
    {
        var cause = TelephonyCause.Of(Group, Twilio([Request(0, TeamServer), Request(180, TeamServer, statusCallback: true)]));

        Assert.StartsWith("Likely cause, by exclusion: Twilio made exactly one request for the call's TwiML (https://voice.example.com/answer at 15:00:00 UTC)", cause);
        Assert.Contains("register-call called twice, or an SDK session", cause);
    }

    [Fact]
    public void Events_not_readable_yet_settle_nothing()
    {
        Assert.Null(TelephonyCause.Of(Group, Twilio(events: null)));
        // So the alert keeps today's sentence.
        Assert.Equal(Diagnosis.Of(Group), Diagnosis.Of(Group, Twilio(events: null)));
    }

    [Fact]
    public void A_fallback_to_elevenlabs_after_the_teams_server_failed_says_only_the_fallback_reaches_elevenlabs()
    {
        var cause = TelephonyCause.Of(Group, Twilio([Request(0, TeamServer, status: 502), Request(15, Inbound, errorCode: "11200", errorUrl: TeamServer + "?x=1")]));

        Assert.Equal($"Likely cause: Twilio's request to the voice URL {TeamServer} failed (error 11200, HTTP 502, after 300 ms) and Twilio then " +
            $"requested the fallback URL {Inbound}; the fallback reaches ElevenLabs, so it opened a conversation next to the one already started.", cause);
    }

    [Fact]
    public void A_call_with_one_conversation_has_no_telephony_cause()
    {
        var single = new DuplicateGroup(Group.Key, false, [Samples.Real]);

        Assert.Null(TelephonyCause.Of(single, Twilio([Request(0, Inbound), Request(4, Inbound)])));
    }

    [Theory]
    [InlineData("https://api.us.elevenlabs.io/twilio/inbound_call", true)]
    [InlineData("https://elevenlabs.io/x", true)]
    [InlineData("sip:+4420@sip.rtc.elevenlabs.io:5061;transport=tls", true)]
    [InlineData("https://elevenlabs.io.evil.example/twilio/inbound_call", false)]
    [InlineData("https://notelevenlabs.io/", false)]
    [InlineData("+442079460000", false)]
    [InlineData(null, false)]
    public void Reaching_elevenlabs_is_decided_by_the_host(string? address, bool reaches) =>
        Assert.Equal(reaches, TelephonyUrls.ReachesElevenLabs(address));

    [Fact]
    public void Urls_are_shown_without_their_query_and_with_numbers_masked()
    {
        Assert.Equal("https://voice.example.com/calls/+44******0123", TelephonyUrls.Show("https://voice.example.com/calls/+447700900123?token=secret"));
        Assert.Equal("SIP sip.rtc.elevenlabs.io", TelephonyUrls.Show("sip:+447700900123@sip.rtc.elevenlabs.io"));
    }

    [Fact]
    public void Rfc_2822_dates_are_read_as_twilio_writes_them()
    {
        Assert.Equal(new DateTimeOffset(2019, 10, 18, 17, 0, 0, TimeSpan.Zero), TwilioJson.ParseRfc2822("Fri, 18 Oct 2019 17:00:00 +0000"));
        Assert.Equal(new DateTimeOffset(2019, 10, 18, 17, 0, 0, TimeSpan.FromHours(-7)), TwilioJson.ParseRfc2822("Fri, 18 Oct 2019 17:00:00 -0700"));
        Assert.Null(TwilioJson.ParseRfc2822("2019-10-18T17:00:00Z"));
    }

    [Theory]
    [InlineData("INVITE sip:+44@sip.rtc.elevenlabs.io SIP/2.0\r\nTo: <sip:+44@sip.rtc.elevenlabs.io>\r\nCall-ID: a\r\n\r\n", "INVITE", false)]
    [InlineData("INVITE sip:+44@sip.rtc.elevenlabs.io SIP/2.0\r\nt: <sip:+44@x>;tag=9\r\n\r\n", "INVITE", true)]
    [InlineData("SIP/2.0 200 OK\r\nTo: <sip:+44@x>;tag=9\r\n\r\n", null, true)]
    [InlineData("BYE sip:x SIP/2.0\r\n\r\nTo: body-is-not-a-header;tag=1", "BYE", false)]
    public void A_sip_request_line_and_its_to_tag_are_read(string raw, string? method, bool toTag) =>
        Assert.Equal((method, toTag), SipMessage.RequestLine(raw));

    [Fact]
    public void An_event_item_in_the_specs_shape_is_read()
    {
        // The readFull example of twilio_api_v2010.json's Events list, with a fallback's parameters added.
        using var item = JsonDocument.Parse("""
            {"request":{"method":"POST","url":"https://api.elevenlabs.io/twilio/inbound_call","parameters":{"call_status":"ringing","error_code":"11205","error_url":"https://api.us.elevenlabs.io/twilio/inbound_call"}},
             "response":{"response_code":201,"request_duration":50,"content_type":"application/json","response_body":"{}","date_created":"Tue, 11 Aug 2020 17:44:08 +0000"}}
            """);

        var request = TwilioRequest.Read(item.RootElement)!;

        Assert.Equal(new TwilioRequest(new DateTimeOffset(2020, 8, 11, 17, 44, 8, TimeSpan.Zero), "POST", "https://api.elevenlabs.io/twilio/inbound_call",
            201, 50, "11205", "https://api.us.elevenlabs.io/twilio/inbound_call", false), request);
        Assert.True(request.IsFallback);
        Assert.True(request.IsTwimlRequest);
    }
}

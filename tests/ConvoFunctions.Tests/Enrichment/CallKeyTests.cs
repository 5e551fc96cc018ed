using ConvoFunctions.Enrichment;
using ConvoFunctions.Privacy;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Tests.Enrichment;

public sealed class CallKeyTests
{
    [Theory]
    [InlineData("twilio", "CA123", null, null, "CA123")]
    [InlineData("twilio", null, null, "CA999", "CA999")] // call_sid missing: system__call_sid is Twilio's
    [InlineData("exotel", "exo123", null, null, "exo123")]
    [InlineData("sip_trunking", "sid_1", "abc@host", null, "sid_1")] // call_sid is required on every phone_call; call_id is optional
    [InlineData("sip_trunking", null, "abc@host", null, "abc@host")] // only a Call-ID (an initiation failure's SIP body)
    [InlineData("sip_trunking", "sid_1", "  ", null, "sid_1")]
    [InlineData(null, null, null, "CA777", "CA777")] // no phone_call, but a Twilio dynamic variable
    [InlineData("vonage", "v1", null, null, "v1")] // a provider added later
    [InlineData("TWILIO", " CA1 ", null, null, "CA1")]
    public void Call_key_is_the_telephony_id_whatever_the_provider(string? provider, string? callSid, string? sipCallId, string? systemCallSid, string expected) =>
        Assert.Equal(expected, CallKey.Derive(provider, callSid, sipCallId, systemCallSid));

    [Theory]
    [InlineData(null, null, null, null)]
    [InlineData("twilio", null, null, null)]
    [InlineData("exotel", "", null, "CA1")] // system__call_sid is not an Exotel id
    [InlineData("sip_trunking", null, null, null)]
    public void No_telephony_id_means_no_call_key(string? provider, string? callSid, string? sipCallId, string? systemCallSid) =>
        Assert.Null(CallKey.Derive(provider, callSid, sipCallId, systemCallSid));

    [Fact]
    public void A_Twilio_call_on_a_SIP_trunk_has_one_key_whichever_provider_names_it() =>
        Assert.Equal(CallKey.Derive("twilio", "CAf00d", null, null), CallKey.Derive("sip_trunking", "CAf00d", "x@pbx", null));

    [Theory]
    [InlineData("twilio:CA1", "CA1")]
    [InlineData("sip:abc@host", "abc@host")]
    [InlineData("exotel:exo1", "exo1")]
    [InlineData("CA1", "CA1")]
    [InlineData("sip:", "sip:")] // a prefix alone is no legacy key
    [InlineData("a:b@host", "a:b@host")] // a SIP Call-ID may hold a colon; only the old prefixes are removed
    public void Keys_written_with_a_provider_prefix_read_as_the_id(string stored, string expected) =>
        Assert.Equal(expected, CallKey.Normalize(stored));

    [Fact]
    public void Characters_table_keys_forbid_are_replaced()
    {
        var key = CallKey.Derive("sip_trunking", null, "a/b\\c#d?e\u0001f\u007f", null);
        Assert.Equal("a_b_c_d_e_f_", key);
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

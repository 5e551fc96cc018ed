using ConvoFunctions.Enrichment;
using ConvoFunctions.Privacy;
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

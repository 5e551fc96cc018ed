using System.Text;
using ConvoFunctions.Conversations;
using ConvoFunctions.Initiation;

namespace ConvoFunctions.Tests.CallStart;

/// <summary>
/// The call-start route keys a request the way detection keys the same call's conversations: the request's key is one
/// of the conversation's call keys, which the sweep reads initiation requests under.
/// </summary>
public sealed class CallKeyAgreementTests
{
    [Theory]
    // Twilio: the CallSid on both sides.
    [InlineData("""{"call_sid":"CA0123456789abcdef0123456789abcdef"}""", "twilio", "CA0123456789abcdef0123456789abcdef", null)]
    // SIP trunk with both ids: the call_sid is the primary key on both sides.
    [InlineData("""{"call_sid":"sip-sid-77","call_id":"a84b4c76e66710@pc33.example.com"}""", "sip_trunking", "sip-sid-77", "a84b4c76e66710@pc33.example.com")]
    // SIP trunk, the request naming only the SIP Call-ID: the conversation's alias.
    [InlineData("""{"call_id":"a84b4c76e66710@pc33.example.com"}""", "sip_trunking", "sip-sid-77", "a84b4c76e66710@pc33.example.com")]
    public void The_initiation_key_is_one_of_the_conversations_call_keys(string body, string provider, string callSid, string? sipCallId)
    {
        var request = InitiationRequest.TryParse(Encoding.UTF8.GetBytes(body), out var error);
        Assert.Null(error);

        var conversationKeys = CallKey.Aliases(provider, callSid, sipCallId, provider == "twilio" ? callSid : null);

        Assert.Contains(request!.CallKey, conversationKeys);
    }
}

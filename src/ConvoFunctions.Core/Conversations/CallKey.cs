using ConvoFunctions.Storage;

namespace ConvoFunctions.Conversations;

/// <summary>
/// The key that groups the conversations of one telephone call: <c>&lt;provider&gt;:&lt;telephony call id&gt;</c>,
/// so a Twilio SID and a SIP Call-ID can never collide. Null when the conversation carries no telephony id
/// (web, widget, or a phone call whose metadata is missing); the fuzzy match is the detection step's job.
/// </summary>
internal static class CallKey
{
    public const string Twilio = "twilio";
    public const string Exotel = "exotel";
    public const string Sip = "sip";

    /// <summary>Table keys may be up to 1 KiB; a telephony id is far shorter, anything longer is cut.</summary>
    private const int MaxLength = 256;

    /// <summary>
    /// The primary key: the provider's <c>call_sid</c>, which the API requires on every <c>phone_call</c> (twilio,
    /// exotel and sip_trunking alike). The optional SIP <c>call_id</c> or <c>system__call_sid</c> only stand in when
    /// there is no <c>call_sid</c>; <see cref="Aliases"/> lists every id so that a sibling carrying another one still joins.
    /// </summary>
    /// <param name="provider"><c>metadata.phone_call.type</c>: twilio, exotel, sip_trunking or a future one.</param>
    /// <param name="callSid"><c>phone_call.call_sid</c>.</param>
    /// <param name="sipCallId"><c>phone_call.call_id</c> (SIP trunking only).</param>
    /// <param name="systemCallSid">The <c>system__call_sid</c> dynamic variable.</param>
    public static string? Derive(string? provider, string? callSid, string? sipCallId, string? systemCallSid) =>
        Aliases(provider, callSid, sipCallId, systemCallSid).FirstOrDefault();

    /// <summary>Every telephony id of a conversation as a key, the primary one first; empty without any.</summary>
    public static IReadOnlyList<string> Aliases(string? provider, string? callSid, string? sipCallId, string? systemCallSid)
    {
        var prefix = Prefix(provider);
        var keys = new List<string>(3);
        // system__call_sid is Twilio's variable: it names no Exotel or SIP call.
        foreach (var id in new[] { callSid, prefix == Twilio ? systemCallSid : null, sipCallId })
        {
            // No spaces inside a key: the rows keep a conversation's keys as one space-separated column.
            if (Clean(id) is { } value && Sanitize(prefix + ":" + value).Replace(' ', '_') is var key && !keys.Contains(key)) keys.Add(key);
        }
        return keys;
    }

    /// <summary>A table key within the length a telephony id needs (<see cref="TableKeys.Sanitize"/>).</summary>
    public static string Sanitize(string value) => TableKeys.Sanitize(value, MaxLength);

    // system__call_sid exists for Twilio calls only, so a conversation without phone metadata is Twilio's.
    private static string Prefix(string? provider) => Clean(provider)?.ToLowerInvariant() switch
    {
        null or Twilio => Twilio,
        Exotel => Exotel,
        "sip_trunking" or Sip => Sip,
        var other => other,
    };

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

using ConvoFunctions.Storage;

namespace ConvoFunctions.Conversations;

/// <summary>
/// The key that groups the conversations of one telephone call: the telephony id itself (a Twilio or Exotel CallSid, a
/// SIP Call-ID), whatever the provider, which stays a column. One call reaches ElevenLabs under one id even when two
/// providers describe it: a SIP trunk fed by Twilio Elastic SIP names Twilio's CallSid at call start and
/// <c>sip_trunking</c> with that same <c>call_sid</c> on its conversations. Null when the conversation carries no
/// telephony id (web, widget, or a phone call whose metadata is missing); the fuzzy match is the detection step's job.
/// </summary>
internal static class CallKey
{
    public const string Twilio = "twilio";

    /// <summary>
    /// The prefixes keys carried before they were the id itself (<c>twilio:CA…</c>, <c>sip:…</c>, <c>exotel:…</c>).
    /// <see cref="Normalize"/> reads them; <c>CallKeyMigration</c> moves the rows keyed by them.
    /// </summary>
    public static readonly IReadOnlyList<string> LegacyPrefixes = ["twilio:", "exotel:", "sip:"];

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
        var keys = new List<string>(3);
        // system__call_sid is Twilio's variable (a conversation without phone metadata is Twilio's): no Exotel or SIP call.
        var twilio = Clean(provider)?.ToLowerInvariant() is null or Twilio;
        foreach (var id in new[] { callSid, twilio ? systemCallSid : null, sipCallId })
        {
            // No spaces inside a key: the rows keep a conversation's keys as one space-separated column.
            if (Clean(id) is { } value && Sanitize(value).Replace(' ', '_') is var key && !keys.Contains(key)) keys.Add(key);
        }
        return keys;
    }

    /// <summary>A key as this build writes it: a legacy <c>provider:</c> prefix removed, any other key as it is.</summary>
    public static string Normalize(string key)
    {
        foreach (var prefix in LegacyPrefixes)
        {
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.Ordinal)) return key[prefix.Length..];
        }
        return key;
    }

    /// <summary>A table key within the length a telephony id needs (<see cref="TableKeys.Sanitize"/>).</summary>
    public static string Sanitize(string value) => TableKeys.Sanitize(value, MaxLength);

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

using System.Text;

namespace ConvoFunctions.Enrichment;

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

    /// <param name="provider"><c>metadata.phone_call.type</c>: twilio, exotel, sip_trunking or a future one.</param>
    /// <param name="callSid"><c>phone_call.call_sid</c>.</param>
    /// <param name="sipCallId"><c>phone_call.call_id</c> (SIP trunking only): the SIP Call-ID, preferred for SIP.</param>
    /// <param name="systemCallSid">The <c>system__call_sid</c> dynamic variable, which exists for Twilio calls only.</param>
    public static string? Derive(string? provider, string? callSid, string? sipCallId, string? systemCallSid)
    {
        callSid = Clean(callSid);
        sipCallId = Clean(sipCallId);
        systemCallSid = Clean(systemCallSid);
        var type = Clean(provider)?.ToLowerInvariant();
        var (prefix, id) = type switch
        {
            Twilio => (Twilio, callSid ?? systemCallSid),
            Exotel => (Exotel, callSid),
            "sip_trunking" or Sip => (Sip, sipCallId ?? callSid),
            null => (Twilio, systemCallSid),
            _ => (type, callSid ?? sipCallId),
        };
        return id is null ? null : Sanitize(prefix + ":" + id);
    }

    /// <summary>
    /// Replaces what Table Storage forbids in PartitionKey/RowKey (<c>/ \ # ?</c> and control characters) with '_'.
    /// </summary>
    public static string Sanitize(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, MaxLength));
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, MaxLength)))
        {
            builder.Append(c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c);
        }
        return builder.ToString();
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

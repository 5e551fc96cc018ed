namespace ConvoFunctions.Telephony;

/// <summary>Where a telephony request went, as the cause rules need it and as people may see it.</summary>
internal static class TelephonyUrls
{
    /// <summary>
    /// Whether a URL or SIP URI reaches ElevenLabs: its host is <c>elevenlabs.io</c> or under it. ElevenLabs' Twilio
    /// import points a number's voice URL at <c>https://api[.us].elevenlabs.io/twilio/inbound_call</c>; its SIP
    /// endpoint is <c>sip.rtc.elevenlabs.io</c>.
    /// </summary>
    public static bool ReachesElevenLabs(string? address) =>
        Host(address) is { } host && (host == "elevenlabs.io" || host.EndsWith(".elevenlabs.io", StringComparison.Ordinal));

    /// <summary>Twilio's record of a request to its own REST API (the Events of an API-created call start with one).</summary>
    public static bool IsTwilioApi(string? address) => Host(address) is "api.twilio.com";

    /// <summary>
    /// For people: scheme, host and path, nothing after (a query may carry a token), phone numbers in the path
    /// masked. A SIP URI shows its host only.
    /// </summary>
    public static string Show(string? address)
    {
        if (string.IsNullOrWhiteSpace(address)) return "none";
        var text = address.Trim();
        if (IsSip(text)) return "SIP " + (Host(text) ?? "address");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)) return "(not a URL)";
        return Privacy.PhoneMask.MaskText(uri.GetLeftPart(UriPartial.Path));
    }

    /// <summary>The same address, whatever its query or trailing slash (to find the request a fallback names).</summary>
    public static bool SameAddress(string? a, string? b) =>
        a is not null && b is not null && string.Equals(Normalize(a), Normalize(b), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string address) =>
        Uri.TryCreate(address.Trim(), UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path).TrimEnd('/') : address.Trim();

    private static bool IsSip(string text) => text.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || text.StartsWith("sips:", StringComparison.OrdinalIgnoreCase);

    private static string? Host(string? address)
    {
        if (string.IsNullOrWhiteSpace(address)) return null;
        var text = address.Trim();
        if (IsSip(text))
        {
            // sip:+15550100@sip.rtc.elevenlabs.io:5061;transport=tls
            var at = text.LastIndexOf('@');
            var rest = at >= 0 ? text[(at + 1)..] : text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..];
            var end = rest.IndexOfAny([':', ';', '?', '>']);
            return (end >= 0 ? rest[..end] : rest).ToLowerInvariant();
        }
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri.Host.ToLowerInvariant() : null;
    }
}

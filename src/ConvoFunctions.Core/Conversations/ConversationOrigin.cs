namespace ConvoFunctions.Conversations;

/// <summary>
/// How a conversation was opened: <c>metadata.conversation_initiation_source</c> (twilio, sip_trunk, exotel, js_sdk,
/// python_sdk, widget, … or unknown), its <c>conversation_initiation_source_version</c> and
/// <c>metadata.authorization_method</c> (signed_url, authorization_header, public, …). Two conversations of one call
/// opened differently point at code outside the telephony flow that started a session of its own.
/// </summary>
internal sealed record ConversationOrigin(string? Source, string? SourceVersion, string? AuthorizationMethod)
{
    public static readonly ConversationOrigin Unknown = new(null, null, null);

    /// <summary>The source as ElevenLabs names it, <c>unknown</c> when it did not say.</summary>
    public string SourceName => string.IsNullOrWhiteSpace(Source) ? "unknown" : Source;

    /// <summary>Whether the source says anything (ElevenLabs' own <c>unknown</c> says nothing).</summary>
    public bool IsKnown => !string.IsNullOrWhiteSpace(Source) && !string.Equals(Source, "unknown", StringComparison.OrdinalIgnoreCase);

    /// <summary>One line for people: <c>js_sdk 2.1.0 (signed_url)</c>, <c>twilio (public)</c>, <c>unknown</c>.</summary>
    public string Describe() =>
        SourceName
        + (string.IsNullOrWhiteSpace(SourceVersion) ? "" : " " + SourceVersion)
        + (string.IsNullOrWhiteSpace(AuthorizationMethod) ? "" : " (" + AuthorizationMethod + ")");

    /// <summary>
    /// True when the conversations were opened from two or more known sources, or authorized in two or more known
    /// ways: one came through the telephony integration, another through an SDK or a signed URL.
    /// </summary>
    public static bool AreMixed(IEnumerable<ConversationOrigin> origins)
    {
        var list = origins.ToList();
        var sources = list.Where(o => o.IsKnown).Select(o => o.Source!.ToLowerInvariant()).Distinct().Count();
        var methods = list.Select(o => o.AuthorizationMethod).Where(m => !string.IsNullOrWhiteSpace(m))
            .Select(m => m!.ToLowerInvariant()).Distinct().Count();
        return sources > 1 || methods > 1;
    }
}

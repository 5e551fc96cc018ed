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
    /// For people: <c>JavaScript SDK 2.1.0, signed URL</c>, <c>Twilio, public</c>. A name ElevenLabs added after this
    /// build is shown as it came.
    /// </summary>
    public string Label() =>
        InitiationSources.Label(Source)
        + (string.IsNullOrWhiteSpace(SourceVersion) ? "" : " " + SourceVersion)
        + (string.IsNullOrWhiteSpace(AuthorizationMethod) ? "" : ", " + AuthorizationMethods.Label(AuthorizationMethod));

    /// <summary>
    /// Whether this conversation may be the probable sibling of a phone call it carries no id of: only a session that a
    /// team's own code can open next to a call. The SDKs, and <c>unknown</c> opened with a signed URL, an authorization
    /// header or publicly. Never a widget visit, a template preview, a subagent run, an integration, WhatsApp, SMS,
    /// Genesys or a text-only chat; nor a source this build does not know (<see cref="InitiationSources.IsKnown"/>).
    /// </summary>
    public bool MayBeProbableSibling(bool textOnly) =>
        !textOnly && InitiationSources.KindOf(Source) switch
        {
            InitiationSourceKind.Sdk => true,
            InitiationSourceKind.Unknown => AuthorizationMethods.CodeCanOpen(AuthorizationMethod),
            _ => false,
        };

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

/// <summary>What opened a conversation, as far as detection cares.</summary>
internal enum InitiationSourceKind
{
    /// <summary>ElevenLabs' own <c>unknown</c>, or no source at all.</summary>
    Unknown,

    /// <summary>An SDK: a team's code opened it.</summary>
    Sdk,

    /// <summary>A phone call (Twilio, SIP trunk, Exotel): it carries its own call id.</summary>
    Telephony,

    /// <summary>Widget, template preview, subagent, integrations, messaging, Genesys: never part of a phone call.</summary>
    Other,

    /// <summary>A name this build does not know yet.</summary>
    NotKnownYet,
}

/// <summary>
/// <c>metadata.conversation_initiation_source</c>: all 25 values of the API (elevenlabs-python's
/// <c>ConversationInitiationSource</c>) with a label for people and their kind.
/// </summary>
internal static class InitiationSources
{
    private static readonly Dictionary<string, (string Label, InitiationSourceKind Kind)> All = new(StringComparer.OrdinalIgnoreCase)
    {
        ["unknown"] = ("unknown", InitiationSourceKind.Unknown),
        ["android_sdk"] = ("Android SDK", InitiationSourceKind.Sdk),
        ["node_js_sdk"] = ("Node.js SDK", InitiationSourceKind.Sdk),
        ["react_native_sdk"] = ("React Native SDK", InitiationSourceKind.Sdk),
        ["react_sdk"] = ("React SDK", InitiationSourceKind.Sdk),
        ["js_sdk"] = ("JavaScript SDK", InitiationSourceKind.Sdk),
        ["python_sdk"] = ("Python SDK", InitiationSourceKind.Sdk),
        ["swift_sdk"] = ("Swift SDK", InitiationSourceKind.Sdk),
        ["flutter_sdk"] = ("Flutter SDK", InitiationSourceKind.Sdk),
        ["widget"] = ("website widget", InitiationSourceKind.Other),
        ["sip_trunk"] = ("SIP trunk", InitiationSourceKind.Telephony),
        ["twilio"] = ("Twilio", InitiationSourceKind.Telephony),
        ["exotel"] = ("Exotel", InitiationSourceKind.Telephony),
        ["genesys"] = ("Genesys", InitiationSourceKind.Other),
        ["genesys_bot_connector"] = ("Genesys bot connector", InitiationSourceKind.Other),
        ["whatsapp"] = ("WhatsApp", InitiationSourceKind.Other),
        ["twilio_sms"] = ("Twilio SMS", InitiationSourceKind.Other),
        ["zendesk_integration"] = ("Zendesk integration", InitiationSourceKind.Other),
        ["slack_integration"] = ("Slack integration", InitiationSourceKind.Other),
        ["telegram_integration"] = ("Telegram integration", InitiationSourceKind.Other),
        ["intercom_integration"] = ("Intercom integration", InitiationSourceKind.Other),
        ["freshdesk_integration"] = ("Freshdesk integration", InitiationSourceKind.Other),
        ["salesforce_integration"] = ("Salesforce integration", InitiationSourceKind.Other),
        ["template_preview"] = ("template preview", InitiationSourceKind.Other),
        ["subagent_tool"] = ("subagent tool", InitiationSourceKind.Other),
    };

    /// <summary>Every source name the API defines.</summary>
    public static IReadOnlyCollection<string> Names => All.Keys;

    /// <summary>True for a missing source and for every name the API defines.</summary>
    public static bool IsKnown(string? source) => string.IsNullOrWhiteSpace(source) || All.ContainsKey(source.Trim());

    public static InitiationSourceKind KindOf(string? source) =>
        string.IsNullOrWhiteSpace(source) ? InitiationSourceKind.Unknown
        : All.TryGetValue(source.Trim(), out var known) ? known.Kind
        : InitiationSourceKind.NotKnownYet;

    public static string Label(string? source) =>
        string.IsNullOrWhiteSpace(source) ? "unknown" : All.TryGetValue(source.Trim(), out var known) ? known.Label : source.Trim();

    /// <summary>
    /// Whether a list item with this source can ever be a member of a phone call. Only the sources that never are (a
    /// widget visit, a preview, a subagent, an integration, messaging, Genesys) are ruled out: a name added after this
    /// build may be a new telephony provider whose conversations carry a call id, so its details are read.
    /// </summary>
    public static bool MayBeMember(string? source) => KindOf(source) is not InitiationSourceKind.Other;
}

/// <summary><c>metadata.authorization_method</c>: all 10 values of the API with a label for people.</summary>
internal static class AuthorizationMethods
{
    private static readonly Dictionary<string, string> All = new(StringComparer.OrdinalIgnoreCase)
    {
        ["invalid"] = "invalid",
        ["public"] = "public",
        ["authorization_header"] = "authorization header",
        ["signed_url"] = "signed URL",
        ["shareable_link"] = "shareable link",
        ["livekit_token"] = "LiveKit token",
        ["livekit_token_website"] = "LiveKit token (website)",
        ["genesys_api_key"] = "Genesys API key",
        ["whatsapp"] = "WhatsApp",
        ["sms"] = "SMS",
    };

    /// <summary>Every authorization method the API defines.</summary>
    public static IReadOnlyCollection<string> Names => All.Keys;

    public static string Label(string? method) =>
        string.IsNullOrWhiteSpace(method) ? "unknown" : All.TryGetValue(method.Trim(), out var label) ? label : method.Trim();

    /// <summary>The ways a team's own code opens a session: a signed URL, an authorization header, or a public agent.</summary>
    public static bool CodeCanOpen(string? method) =>
        method?.Trim().ToLowerInvariant() is "signed_url" or "authorization_header" or "public";
}

using System.Globalization;
using ConvoFunctions.Conversations;
using ConvoFunctions.Detection;
using ConvoFunctions.Telephony;

namespace ConvoFunctions.Alerts;

/// <summary>
/// The likely cause of a duplicate, in one sentence, from what the call's conversations and its call-start requests
/// show. The order is the order of evidence: sources that differ point at our side, a second initiation request at
/// the telephony leg, and without either only ElevenLabs can tell. Telephony evidence, when there is any that settles
/// the question (<see cref="TelephonyCause"/>), comes first: it is the decisive evidence.
/// </summary>
internal static class Diagnosis
{
    public static string Of(DuplicateGroup group, TelephonyEvidence? telephony = null) => Find(group, telephony).Text;

    /// <summary>
    /// The likely cause and its kind. The kind names the pattern a recurring duplicate shares with its siblings
    /// (incidents are kept per agent, verdict and kind): <c>different-sources</c> (a session opened beside the call),
    /// <c>started-twice</c> (the initiation asked twice), <c>same-source</c> (the platform's legs), or a telephony
    /// kind (<see cref="TelephonyCause.Find"/>).
    /// </summary>
    public static (string Kind, string Text) Find(DuplicateGroup group, TelephonyEvidence? telephony = null)
    {
        if (telephony is not null && TelephonyCause.Find(group, telephony) is { } cause) return cause;
        var origins = group.Conversations.Select(c => c.Origin).ToList();
        if (ConversationOrigin.AreMixed(origins))
        {
            var sources = string.Join(" and ", origins.Select(o => o.Describe()).Distinct(StringComparer.OrdinalIgnoreCase));
            return ("different-sources", $"Likely cause: the conversations were started from different sources ({sources}), so a session was opened "
                + "outside the telephony flow, typically by a personalization webhook or other code that starts its own conversation.");
        }
        if (group.InitiationRequests.Count >= 2)
        {
            return ("started-twice", $"Likely cause: ElevenLabs asked the initiation webhook {Requests(group.InitiationRequests)} for this one call, "
                + "so the call was started more than once on the telephony side.");
        }
        return ("same-source", "Likely cause: the platform created both conversations from one start of the call (same source, one initiation "
            + "request at most), so ElevenLabs support should look at the call's legs.");
    }

    /// <summary>
    /// The cause without its label, for a place that labels it already (the card's and email's "Likely cause" fact):
    /// <c>the conversations were started…</c>, <c>by exclusion: Twilio made…</c>.
    /// </summary>
    public static string WithoutLabel(string cause) =>
        cause.StartsWith("Likely cause: ", StringComparison.Ordinal) ? cause["Likely cause: ".Length..]
        : cause.StartsWith("Likely cause, ", StringComparison.Ordinal) ? cause["Likely cause, ".Length..]
        : cause;

    /// <summary><c>2 initiation requests at 2026-11-24 15:00:01.200, 2026-11-24 15:00:02.400 UTC</c>.</summary>
    public static string Requests(IReadOnlyCollection<DateTimeOffset> times) =>
        times.Count.ToString(CultureInfo.InvariantCulture) + (times.Count == 1 ? " initiation request at " : " initiation requests at ")
        + string.Join(", ", times.Select(t => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture))) + " UTC";
}

using System.Globalization;
using ConvoFunctions.Detection;
using ConvoFunctions.Privacy;

namespace ConvoFunctions.Alerts;

/// <summary>
/// What support compares beside a conversation's status: whether and when it was accepted, the platform's error and
/// whether the caller spoke. The blank rule needs none of it but the last; people need all of it. One line, the same in
/// the card, the email and the support report.
/// </summary>
internal static class ConversationEvidence
{
    public static string Of(ObservedConversation c) => string.Join("; ", Parts(c));

    private static IEnumerable<string> Parts(ObservedConversation c)
    {
        if (c.Accepted == true && c.AcceptedTime is { } at)
            yield return "accepted " + at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
        else if (c.Accepted == false)
            yield return "never accepted";
        if (c.ErrorCode is not null || c.ErrorReason is not null)
            yield return "error " + (c.ErrorCode?.ToString(CultureInfo.InvariantCulture) ?? "")
                + (c.ErrorReason is { } reason ? (c.ErrorCode is null ? "" : ": ") + PhoneMask.MaskText(reason) : "");
        yield return "caller messages " + (c.UserMessageCount?.ToString(CultureInfo.InvariantCulture) ?? "unknown")
            + ", user audio " + (c.HasUserAudio switch { true => "yes", false => "no", null => "unknown" });
    }
}

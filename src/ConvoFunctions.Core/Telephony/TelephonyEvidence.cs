using System.Globalization;
using ConvoFunctions.Privacy;

namespace ConvoFunctions.Telephony;

/// <summary>
/// What Twilio knows about one call: the call the conversations name (its parent when it is a leg), the legs its TwiML
/// created, every request Twilio made for it (Events: null until <see cref="EventsReadableFrom"/>, about 15 minutes
/// after the call ended), its errors and warnings, and the called number's configuration today.
/// </summary>
internal sealed record TwilioCallEvidence(
    TwilioCall Call,
    IReadOnlyList<TwilioCall> Legs,
    IReadOnlyList<TwilioRequest>? Events,
    DateTimeOffset? EventsReadableFrom,
    IReadOnlyList<TwilioNotification> Notifications,
    TwilioNumber? Number)
{
    /// <summary>Twilio keeps a call's Events this long after the call.</summary>
    public static readonly TimeSpan EventsKept = TimeSpan.FromDays(30);

    /// <summary>Twilio's Events are complete about this long after the call ended.</summary>
    public static readonly TimeSpan EventsDelay = TimeSpan.FromMinutes(15);

    /// <summary>The requests for the call's instructions (not status callbacks), oldest first.</summary>
    public IReadOnlyList<TwilioRequest> TwimlRequests => (Events ?? []).Where(e => e.IsTwimlRequest).ToList();
}

/// <summary>An INVITE that opened a SIP call at ElevenLabs, and the conversations whose SIP log shows it.</summary>
internal sealed record SipInvite(string CallId, DateTimeOffset At, string? RemoteAddress, string? Transport, IReadOnlyList<string> ConversationIds);

/// <summary>ElevenLabs' SIP log of the call's SIP conversations: every INVITE that opened a call, oldest first.</summary>
internal sealed record SipEvidence(IReadOnlyList<string> ConversationsRead, IReadOnlyList<SipInvite> Invites);

/// <summary>
/// The telephony side of one call: Twilio's view of each of its Twilio calls, ElevenLabs' SIP log (null when none of
/// its conversations came over a SIP trunk), and what could not be read, in words (never a secret).
/// </summary>
internal sealed record TelephonyEvidence(IReadOnlyList<TwilioCallEvidence> Twilio, SipEvidence? Sip, IReadOnlyList<string> Gaps)
{
    public static TelephonyEvidence None { get; } = new([], null, []);

    public bool IsEmpty => Twilio.Count == 0 && Sip is null && Gaps.Count == 0;

    /// <summary>The evidence for people, one finding a line; numbers masked, URLs without their query.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var twilio in Twilio)
        {
            foreach (var line in Describe(twilio)) yield return line;
        }
        if (Sip is { } sip)
        {
            yield return sip.Invites.Count switch
            {
                0 => $"SIP: no INVITE in ElevenLabs' SIP log of {string.Join(", ", sip.ConversationsRead)}",
                1 => $"SIP: 1 INVITE reached ElevenLabs ({Invite(sip.Invites[0])})",
                var n => $"SIP: {n} INVITEs reached ElevenLabs ({string.Join("; ", sip.Invites.Select(Invite))})",
            };
            foreach (var shared in sip.Invites.Where(i => i.ConversationIds.Count > 1))
            {
                yield return $"SIP: {string.Join(" and ", shared.ConversationIds)} share the INVITE of Call-ID {shared.CallId}";
            }
        }
        foreach (var gap in Gaps) yield return gap;
    }

    private static IEnumerable<string> Describe(TwilioCallEvidence e)
    {
        var call = e.Call;
        yield return $"Twilio call {call.Sid}: {call.Direction ?? "unknown direction"}, {call.Status ?? "unknown status"}, "
            + $"{Time(call.StartTime)} to {Time(call.EndTime)}"
            + (call.DurationSeconds is { } d ? $" ({d.ToString(CultureInfo.InvariantCulture)} s)" : "")
            + $", from {Number(call.From)} to {Number(call.To)}"
            + (call.ParentCallSid is { } parent ? $", leg of {parent}" : "")
            + (call.TrunkSid is { } trunk ? $", trunk {trunk}" : "")
            + (call.ForwardedFrom is { } forwarded ? $", forwarded from {Number(forwarded)}" : "");
        yield return e.Legs.Count == 0
            ? "Twilio legs: none created by the call's TwiML"
            : "Twilio legs: " + string.Join("; ", e.Legs.Select(l => $"{l.Sid} {l.Direction ?? "?"} to {Target(l.To)} ({l.Status ?? "?"}, {Time(l.StartTime)})"));
        if (e.Events is { } events)
        {
            yield return events.Count == 0 ? "Twilio requests (Events): none recorded" : $"Twilio requests (Events): {events.Count}";
            foreach (var request in events) yield return "  " + Request(request);
        }
        else if (e.EventsReadableFrom is { } from)
        {
            yield return $"Twilio requests (Events): readable from {Time(from)} (about 15 minutes after the call ended)";
        }
        yield return e.Notifications.Count == 0
            ? "Twilio notifications: none"
            : "Twilio notifications: " + string.Join("; ", e.Notifications.Select(n =>
                $"{(n.IsError ? "error" : "warning")} {n.ErrorCode ?? "?"} at {Time(n.At)}" + (n.RequestUrl is { } url ? $" on {TelephonyUrls.Show(url)}" : "")));
        if (e.Number is { } number)
        {
            yield return $"Number {PhoneMask.Mask(number.PhoneNumber)} today: voice URL {TelephonyUrls.Show(number.VoiceUrl)}, "
                + $"fallback URL {TelephonyUrls.Show(number.VoiceFallbackUrl)}, status callback {TelephonyUrls.Show(number.StatusCallback)}"
                + (number.VoiceApplicationSid is { } app ? $", application {app}" : "")
                + (number.TrunkSid is { } numberTrunk ? $", trunk {numberTrunk}" : "")
                + (number.DateUpdated is { } updated
                    ? $", last changed {Time(updated)}" + (call.StartTime is { } start && updated > start ? " (after the call: it may have been configured otherwise then)" : "")
                    : "");
        }
    }

    /// <summary><c>15:00:00 POST https://api.us.elevenlabs.io/twilio/inbound_call → 502 after 15000 ms (fallback after error 11205 on …)</c>.</summary>
    internal static string Request(TwilioRequest r) =>
        $"{Time(r.At)} {r.Method ?? "?"} {TelephonyUrls.Show(r.Url)} → "
        + (r.ResponseCode is { } code ? code.ToString(CultureInfo.InvariantCulture) : "no answer")
        + (r.DurationMs is { } ms ? $" after {ms.ToString(CultureInfo.InvariantCulture)} ms" : "")
        + (r.IsFallback ? $" (fallback after error {r.ErrorCode ?? "?"} on {TelephonyUrls.Show(r.ErrorUrl)})" : "")
        + (r.IsStatusCallback ? " (status callback)" : "");

    private static string Invite(SipInvite i) =>
        $"Call-ID {i.CallId} at {Time(i.At, "HH:mm:ss.fff")}"
        + (i.RemoteAddress is { } from ? $" from {from}" : "")
        + (i.Transport is { } transport ? $" over {transport}" : "")
        + $", in the log of {string.Join(" and ", i.ConversationIds)}";

    internal static string Time(DateTimeOffset? time, string format = "yyyy-MM-dd HH:mm:ss") =>
        time is { } t ? t.UtcDateTime.ToString(format, CultureInfo.InvariantCulture) + " UTC" : "unknown";

    private static string Number(string? number) => string.IsNullOrWhiteSpace(number) ? "unknown" : Target(number);

    /// <summary>A phone number masked; a SIP address or client name by its host or kind only.</summary>
    private static string Target(string? to) =>
        to is null ? "unknown"
        : to.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || to.StartsWith("sips:", StringComparison.OrdinalIgnoreCase) ? TelephonyUrls.Show(to)
        : to.StartsWith("client:", StringComparison.OrdinalIgnoreCase) ? "a client"
        : PhoneMask.Mask(to, "unknown");
}

using System.Globalization;
using ConvoFunctions.Detection;

namespace ConvoFunctions.Telephony;

/// <summary>
/// The likely cause of a duplicate from the telephony side, one sentence naming its evidence; null when the evidence
/// settles nothing, and the cause is then read from the conversations alone. First match wins, the most direct
/// evidence first:
/// <list type="number">
/// <item>two or more INVITEs reached ElevenLabs for the SIP call: the trunk retried;</item>
/// <item>Twilio's request to the voice URL failed and Twilio requested the fallback URL, which reaches ElevenLabs;</item>
/// <item>the call's TwiML dialed ElevenLabs as a child leg, which has its own CallSid;</item>
/// <item>Twilio requested the ElevenLabs inbound URL twice with no error: a redirect or a retry;</item>
/// <item>no Events yet, but Twilio reported a voice URL error and the number's fallback URL reaches ElevenLabs;</item>
/// <item>Twilio made exactly one TwiML request: by exclusion, the team's own code opened the other conversation.</item>
/// </list>
/// </summary>
internal static class TelephonyCause
{
    public static string? Of(DuplicateGroup group, TelephonyEvidence evidence) => Find(group, evidence)?.Text;

    /// <summary>The cause with its kind (<c>trunk-retried</c>, <c>fallback-url</c>, …): the kind names a recurring pattern.</summary>
    public static (string Kind, string Text)? Find(DuplicateGroup group, TelephonyEvidence evidence)
    {
        if (!group.IsDuplicate) return null;
        return Kind("trunk-retried", TrunkRetried(evidence))
            ?? Kind("fallback-url", FallbackRequested(evidence))
            ?? Kind("dialed-leg", DialedLeg(group, evidence))
            ?? Kind("requested-twice", RequestedTwice(evidence))
            ?? Kind("fallback-url", FallbackLikely(evidence))
            ?? Kind("own-code", OneRequestOnly(evidence));

        static (string, string)? Kind(string kind, string? text) => text is null ? null : (kind, text);
    }

    private static string? TrunkRetried(TelephonyEvidence evidence) =>
        evidence.Sip is { Invites.Count: >= 2 } sip
            ? $"Likely cause: {Count(sip.Invites.Count)} INVITEs reached ElevenLabs for this one SIP call "
              + $"({string.Join(", ", sip.Invites.Select(i => $"Call-ID {i.CallId} at {TelephonyEvidence.Time(i.At, "HH:mm:ss.fff")}"))}), "
              + "so the trunk retried the call and each INVITE opened a conversation."
            : null;

    private static string? FallbackRequested(TelephonyEvidence evidence)
    {
        foreach (var twilio in evidence.Twilio)
        {
            var requests = twilio.TwimlRequests;
            var fallback = requests.FirstOrDefault(r => r.IsFallback && TelephonyUrls.ReachesElevenLabs(r.Url));
            if (fallback is null) continue;
            var primary = requests.TakeWhile(r => r != fallback).LastOrDefault(r => TelephonyUrls.SameAddress(r.Url, fallback.ErrorUrl));
            var primaryUrl = primary?.Url ?? fallback.ErrorUrl;
            var failure = string.Join(", ", new[]
            {
                fallback.ErrorCode is { } code ? "error " + code : null,
                primary?.ResponseCode is { } status ? "HTTP " + status.ToString(CultureInfo.InvariantCulture) : null,
                primary?.DurationMs is { } ms ? "after " + ms.ToString(CultureInfo.InvariantCulture) + " ms" : null,
            }.OfType<string>());
            return $"Likely cause: Twilio's request to the voice URL {TelephonyUrls.Show(primaryUrl)} failed ({failure}) "
                + $"and Twilio then requested the fallback URL {TelephonyUrls.Show(fallback.Url)}; "
                + (TelephonyUrls.ReachesElevenLabs(primaryUrl)
                    ? "both reach ElevenLabs, so each request opened a conversation."
                    : "the fallback reaches ElevenLabs, so it opened a conversation next to the one already started.");
        }
        return null;
    }

    private static string? DialedLeg(DuplicateGroup group, TelephonyEvidence evidence)
    {
        var keys = group.CallKeys.ToHashSet(StringComparer.Ordinal);
        var called = evidence.Twilio.Select(t => t.Call.To).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var twilio in evidence.Twilio)
        {
            var leg = twilio.Legs.FirstOrDefault(l => l.IsDialedLeg
                && (TelephonyUrls.ReachesElevenLabs(l.To) || keys.Contains(l.Sid) || (l.To is { } to && called.Contains(to) && to != twilio.Call.To)));
            if (leg is null) continue;
            return $"Likely cause: the call's TwiML dialed ElevenLabs as a child leg ({leg.Sid}, {TwilioCall.DialedLeg} from {twilio.Call.Sid}), "
                + "which has its own CallSid and opened a conversation of its own.";
        }
        return null;
    }

    private static string? RequestedTwice(TelephonyEvidence evidence)
    {
        foreach (var twilio in evidence.Twilio)
        {
            var requests = twilio.TwimlRequests;
            var toElevenLabs = requests.Where(r => TelephonyUrls.ReachesElevenLabs(r.Url)).ToList();
            if (toElevenLabs.Count < 2 || requests.Any(r => r.IsFallback)) continue;
            return $"Likely cause: Twilio requested the ElevenLabs inbound URL {TelephonyUrls.Show(toElevenLabs[0].Url)} {(toElevenLabs.Count == 2 ? "twice" : Count(toElevenLabs.Count) + " times")} "
                + $"for this call with no error between them (at {string.Join(", ", toElevenLabs.Select(r => TelephonyEvidence.Time(r.At, "HH:mm:ss")))}), "
                + "so a redirect or a retry of the call's TwiML opened another conversation.";
        }
        return null;
    }

    private static string? FallbackLikely(TelephonyEvidence evidence)
    {
        foreach (var twilio in evidence.Twilio.Where(t => t.Events is null))
        {
            var error = twilio.Notifications.FirstOrDefault(n => n.IsVoiceUrlFailure);
            if (error is null || twilio.Number?.VoiceFallbackUrl is not { } fallback || !TelephonyUrls.ReachesElevenLabs(fallback)) continue;
            return $"Likely cause: Twilio reported error {error.ErrorCode} for the voice URL {TelephonyUrls.Show(error.RequestUrl ?? twilio.Number.VoiceUrl)} "
                + $"and the number's fallback URL {TelephonyUrls.Show(fallback)} reaches ElevenLabs, so the fallback most likely opened the second conversation"
                + (twilio.EventsReadableFrom is { } from ? $" (the call's request log, readable from {TelephonyEvidence.Time(from, "HH:mm")}, will show it)." : ".");
        }
        return null;
    }

    private static string? OneRequestOnly(TelephonyEvidence evidence)
    {
        if (evidence.Twilio.Count == 0 || evidence.Twilio.Any(t => t.Events is null)) return null;
        var requests = evidence.Twilio.SelectMany(t => t.TwimlRequests).ToList();
        if (requests.Count != 1) return null;
        return $"Likely cause, by exclusion: Twilio made exactly one request for the call's TwiML ({TelephonyUrls.Show(requests[0].Url)} at "
            + $"{TelephonyEvidence.Time(requests[0].At, "HH:mm:ss")}) and dialed no leg to ElevenLabs, so Twilio connected the call once; "
            + "the other conversation was most likely opened by the team's own code (register-call called twice, or an SDK session).";
    }

    private static string Count(int n) => n switch { 2 => "two", 3 => "three", _ => n.ToString(CultureInfo.InvariantCulture) };
}

using System.Text.RegularExpressions;
using ConvoFunctions.Detection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Telephony;

/// <summary>
/// Reads the telephony evidence of one call: from Twilio (when <c>Twilio:*</c> is set) each Twilio call its
/// conversations name, with its parent, legs, Events, notifications and number; from ElevenLabs the SIP log of its
/// SIP-trunk conversations. Each part that cannot be read becomes a gap in words and the rest goes on: evidence only
/// adds to what the conversations show, so a Twilio outage or a wrong key costs that part and nothing else.
/// </summary>
internal sealed partial class TelephonyEvidenceReader(
    TwilioClient twilio,
    SipMessageReader sip,
    IOptions<TwilioOptions> options,
    TimeProvider time,
    ILogger<TelephonyEvidenceReader> logger)
{
    public const string SipTrunking = "sip_trunking";

    /// <summary>Whether Twilio's side can be read (<c>Twilio:AccountSid</c>, <c>ApiKeySid</c>, <c>ApiKeySecret</c> set and usable).</summary>
    public bool TwilioEnabled => options.Value.IsEnabled;

    /// <summary>Whether there is anything to read for the call: Twilio is configured, or a conversation came over a SIP trunk.</summary>
    public bool HasEvidenceToRead(DuplicateGroup group) => TwilioEnabled || SipConversations(group).Any();

    private static IEnumerable<string> SipConversations(DuplicateGroup group) =>
        group.Conversations.Where(c => string.Equals(c.Provider, SipTrunking, StringComparison.OrdinalIgnoreCase)).Select(c => c.ConversationId);

    public async Task<TelephonyEvidence> ReadAsync(DuplicateGroup group, CancellationToken cancellationToken)
    {
        var gaps = new List<string>();
        var calls = new List<TwilioCallEvidence>();
        if (TwilioEnabled)
        {
            var read = new HashSet<string>(StringComparer.Ordinal);
            foreach (var sid in TwilioCallSids(group))
            {
                if (read.Contains(sid)) continue;
                try
                {
                    if (await ReadTwilioCallAsync(sid, gaps, cancellationToken) is not { } evidence) continue;
                    read.Add(evidence.Call.Sid);
                    read.UnionWith(evidence.Legs.Select(l => l.Sid));
                    read.Add(sid);
                    calls.Add(evidence);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogNotReadable("Twilio", sid, ex.GetType().Name, ex.Message);
                    gaps.Add($"Twilio call {sid}: not readable ({ex.Message})");
                }
            }
        }

        SipEvidence? sipEvidence = null;
        var sipConversations = SipConversations(group).ToList();
        if (sipConversations.Count > 0)
        {
            var messages = new List<(string ConversationId, SipMessage Message)>();
            var readLogs = new List<string>();
            foreach (var id in sipConversations)
            {
                try
                {
                    messages.AddRange((await sip.ReadAsync(id, cancellationToken)).Select(m => (id, m)));
                    readLogs.Add(id);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogNotReadable("ElevenLabs SIP log", id, ex.GetType().Name, ex.Message);
                    gaps.Add($"SIP log of {id}: not readable ({ex.Message})");
                }
            }
            if (readLogs.Count > 0) sipEvidence = new SipEvidence(readLogs, Invites(messages));
        }
        return new TelephonyEvidence(calls, sipEvidence, gaps);
    }

    /// <summary>
    /// The call a conversation names, or its parent when it is a leg, with the legs, Events (once readable),
    /// notifications and the called number. Null when Twilio has no such call in this account.
    /// </summary>
    private async Task<TwilioCallEvidence?> ReadTwilioCallAsync(string sid, List<string> gaps, CancellationToken cancellationToken)
    {
        if (await twilio.GetCallAsync(sid, cancellationToken) is not { } call)
        {
            gaps.Add($"Twilio call {sid}: not in this account ({Configuration.SettingNames.ToEnvironmentForm(Configuration.SettingNames.TwilioAccountSid)})");
            return null;
        }
        var root = call.ParentCallSid is { } parentSid ? await twilio.GetCallAsync(parentSid, cancellationToken) ?? call : call;
        var legs = await twilio.ListChildCallsAsync(root.Sid, cancellationToken);
        var notifications = await twilio.ListNotificationsAsync(root.Sid, cancellationToken);

        IReadOnlyList<TwilioRequest>? events = null;
        DateTimeOffset? readableFrom = null;
        var now = time.GetUtcNow();
        if (root.EndTime is not { } ended)
        {
            gaps.Add($"Twilio call {root.Sid}: not ended yet ({root.Status ?? "unknown status"}), so its request log (Events) is not complete");
        }
        else if (now - ended > TwilioCallEvidence.EventsKept)
        {
            gaps.Add($"Twilio call {root.Sid}: ended more than 30 days ago, Twilio keeps its request log (Events) no longer");
        }
        else if (now < ended + TwilioCallEvidence.EventsDelay)
        {
            readableFrom = ended + TwilioCallEvidence.EventsDelay;
        }
        else
        {
            events = await twilio.ListEventsAsync(root.Sid, cancellationToken);
        }

        var number = root.IsInbound && root.To is { } to && E164().IsMatch(to) ? await twilio.FindNumberAsync(to, cancellationToken) : null;
        return new TwilioCallEvidence(root, legs, events, readableFrom, notifications, number);
    }

    /// <summary>The Twilio CallSids (<c>CA</c> + 32 hex digits) the group's conversations carry, in their order.</summary>
    internal static IEnumerable<string> TwilioCallSids(DuplicateGroup group) =>
        group.Conversations.SelectMany(c => c.CallKeys.Prepend(c.CallSid ?? ""))
            .Select(Conversations.CallKey.Normalize)
            .Where(k => CallSid().IsMatch(k))
            .Distinct(StringComparer.Ordinal);

    /// <summary>The INVITEs that opened a SIP call, once each however many conversations' logs show it, oldest first.</summary>
    private static List<SipInvite> Invites(IEnumerable<(string ConversationId, SipMessage Message)> messages) =>
        messages.Where(m => m.Message.IsInitialInvite)
            .GroupBy(m => (m.Message.CallId, m.Message.At))
            .Select(g => new SipInvite(g.Key.CallId, g.Key.At, g.First().Message.RemoteAddress, g.First().Message.Transport,
                g.Select(m => m.ConversationId).Distinct(StringComparer.Ordinal).ToList()))
            .OrderBy(i => i.At)
            .ToList();

    [GeneratedRegex("^CA[0-9a-fA-F]{32}$")]
    private static partial Regex CallSid();

    [GeneratedRegex(@"^\+[1-9]\d{6,14}$")]
    private static partial Regex E164();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telephony evidence: {source} for {about} not readable ({error_type}: {error}); the rest of the evidence is used")]
    private partial void LogNotReadable(string source, string about, string error_type, string error);
}

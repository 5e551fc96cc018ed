namespace ConvoFunctions.Detection;

/// <summary>
/// The conversations of one phone call. <see cref="Key"/> is the group's natural key: the smallest call key of its
/// members, or for a call without any telephony id <c>fuzzy:&lt;agent&gt;:&lt;first conversation id&gt;</c>, which
/// holds nothing derived from the caller's number. Once alerted, a group keeps its alert's key (see
/// <c>AlertLedger.AlertKeysOfAsync</c>), so the natural key only names a group never alerted before; and a call whose
/// natural key another call took first is alerted under <see cref="SharedKey"/>.
/// </summary>
internal sealed record DuplicateGroup(string Key, bool IsFuzzy, IReadOnlyList<ObservedConversation> Conversations)
{
    /// <summary>Members that joined only as probable siblings: no phone metadata, blank, started next to the call.</summary>
    public IReadOnlySet<string> Probable { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>When ElevenLabs asked our initiation route about this call, oldest first; empty when it never did.</summary>
    public IReadOnlyList<DateTimeOffset> InitiationRequests { get; init; } = [];

    /// <summary>The key of one of several calls that share <paramref name="callKey"/>: named by its first conversation too.</summary>
    public static string SharedKey(string callKey, string firstConversationId) =>
        ConvoFunctions.Conversations.CallKey.Sanitize($"{callKey}~{firstConversationId}");

    /// <summary>Every call key (telephony id) of the group's members.</summary>
    public IReadOnlyList<string> CallKeys => Conversations.SelectMany(c => c.CallKeys).Distinct(StringComparer.Ordinal).ToList();

    public Verdict Verdict => Verdicts.Of(Conversations);

    public bool IsDuplicate => Conversations.Count >= 2;

    public ObservedConversation First => Conversations[0];

    /// <summary>The first non-empty value of a field across the group.</summary>
    public string? Any(Func<ObservedConversation, string?> field) =>
        Conversations.Select(field).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    /// <summary>Members that cannot be judged blank or real yet.</summary>
    public IReadOnlyList<ObservedConversation> Unsettled(TimeSpan settleDelay) =>
        Conversations.Where(c => !c.IsSettled(settleDelay)).ToList();

    public IEnumerable<string> ConversationIds => Conversations.Select(c => c.ConversationId);
}

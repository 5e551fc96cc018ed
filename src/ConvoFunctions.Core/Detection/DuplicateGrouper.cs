namespace ConvoFunctions.Detection;

/// <summary>How conversations are joined into calls (from <see cref="DetectionOptions"/>).</summary>
/// <param name="AlertedWith">
/// The alert each conversation was already alerted with (the ledger's member index), when known: a probable sibling
/// stays with the call it was alerted with.
/// </param>
/// <param name="MaxCallSpan">Conversations sharing a call id further apart than this are separate calls.</param>
internal sealed record GroupingRules(TimeSpan FuzzyGap, TimeSpan ProbableSiblingGap, TimeSpan SettleDelay,
    int BlankMaxSeconds = Conversations.ConversationClassifier.DefaultBlankMaxSeconds,
    IReadOnlyDictionary<string, string>? AlertedWith = null,
    TimeSpan? MaxCallSpan = null)
{
    public static readonly TimeSpan DefaultMaxCallSpan = TimeSpan.FromHours(2);

    public TimeSpan CallSpan => MaxCallSpan ?? DefaultMaxCallSpan;

    public static GroupingRules From(DetectionOptions options) =>
        new(options.FuzzyGap, options.ProbableSiblingGap, options.SettleDelay, options.BlankMaxSeconds, MaxCallSpan: options.MaxCallSpan);
}

/// <summary>
/// Groups conversations by phone call:
/// <list type="number">
/// <item>Conversations sharing any call key (a <c>call_sid</c>, SIP <c>call_id</c> or <c>system__call_sid</c>) are one
/// call, whichever ids each carries, within bounds: from the call's first conversation, the same primary id within
/// <c>MaxCallSpan</c>, another shared id (a blank twin carrying only the SIP <c>call_id</c>) within <c>FuzzyGap</c>; and
/// never two callers. Beyond that they are separate calls that happen to share an id (a constant
/// <c>system__call_sid</c>, a reused SIP id), named in <c>sharedIds</c>.</item>
/// <item>A conversation without a call key but with a caller joins the keyed call of the same agent and caller that
/// started within <c>FuzzyGap</c> (a blank sibling often lacks the SID its real twin carries); otherwise such
/// conversations of one agent and caller chain into a call while each starts within the gap of the previous one.</item>
/// <item>A conversation with no phone metadata at all that code can open next to a call (an SDK session, or
/// <c>unknown</c> with a signed URL, an authorization header or a public agent:
/// <see cref="Conversations.ConversationOrigin.MayBeProbableSibling"/>) that is blank, or not yet settled, and started
/// within <c>ProbableSiblingGap</c> of a phone call of the same agent joins the nearest such call as a probable
/// sibling: it carries no id to join on. A widget visit, a preview or an integration's chat never does.</item>
/// </list>
/// </summary>
internal static class DuplicateGrouper
{
    private static readonly DetectionOptions Defaults = new();

    /// <summary>Grouping with the default probable-sibling gap and settle delay (<c>convo audit</c>, samples).</summary>
    public static IReadOnlyList<DuplicateGroup> Group(IEnumerable<ObservedConversation> conversations, TimeSpan fuzzyGap) =>
        Group(conversations, new GroupingRules(fuzzyGap, Defaults.ProbableSiblingGap, Defaults.SettleDelay));

    /// <param name="sharedIds">Receives the call ids that conversations of separate calls share.</param>
    public static IReadOnlyList<DuplicateGroup> Group(IEnumerable<ObservedConversation> conversations, GroupingRules rules, ISet<string>? sharedIds = null)
    {
        // Every conversation is judged blank or real with the configured rule, whoever reads the groups afterwards.
        var unique = Unique(conversations).Select(c => c with { BlankMaxSeconds = rules.BlankMaxSeconds }).ToList();
        var calls = KeyedCalls(unique.Where(c => c.CallKey is not null), rules, sharedIds);

        var loose = new List<ObservedConversation>();
        var sessions = new List<ObservedConversation>();
        foreach (var c in unique.Where(c => c.CallKey is null).OrderBy(c => c.StartTime))
        {
            if (!c.IsPhoneCall)
            {
                sessions.Add(c);
                continue;
            }
            var home = c.Caller is null ? null : Nearest(calls, c, rules.FuzzyGap,
                k => k.AgentId == c.AgentId && SameNumber(k.Caller, c.Caller));
            if (home is not null) home.Members.Add(c);
            else loose.Add(c);
        }

        foreach (var byCaller in loose.GroupBy(c => (c.AgentId, Caller: Normalize(c.Caller))))
        {
            var ordered = Sort(byCaller);
            var current = new List<ObservedConversation>();
            foreach (var c in ordered)
            {
                // A conversation without a caller number can only stand alone.
                if (current.Count > 0 && (byCaller.Key.Caller is null || c.StartTime - current[^1].StartTime > rules.FuzzyGap))
                {
                    calls.Add(new Call(current, IsFuzzy: true));
                    current = [];
                }
                current.Add(c);
            }
            if (current.Count > 0) calls.Add(new Call(current, IsFuzzy: true));
        }

        var alone = new List<ObservedConversation>();
        foreach (var c in sessions)
        {
            var mayBeBlank = !c.IsSettled(rules.SettleDelay) || c.IsBlank;
            var home = !mayBeBlank || !c.MayBeProbableSibling ? null
                : rules.AlertedWith?.GetValueOrDefault(c.ConversationId) is { } alertKey ? AlertedCall(calls, alertKey, rules.AlertedWith)
                : Nearest(calls, c, rules.ProbableSiblingGap, k => k.AgentId == c.AgentId && k.IsPhoneCall);
            if (home is null)
            {
                alone.Add(c);
                continue;
            }
            home.Members.Add(c);
            home.Probable.Add(c.ConversationId);
        }

        var groups = calls.Select(ToGroup)
            .Concat(alone.Select(c => ToGroup(new Call([c], IsFuzzy: true))));
        return groups.OrderBy(g => g.First.StartTime).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>One entry per conversation id; a copy with a call key, then the one read last, wins.</summary>
    private static List<ObservedConversation> Unique(IEnumerable<ObservedConversation> conversations)
    {
        var unique = new Dictionary<string, ObservedConversation>(StringComparer.Ordinal);
        foreach (var c in conversations)
        {
            if (!unique.TryGetValue(c.ConversationId, out var seen)
                || (seen.CallKey is null && c.CallKey is not null)
                || ((seen.CallKey is null) == (c.CallKey is null) && (c.ReadAt ?? DateTimeOffset.MinValue) > (seen.ReadAt ?? DateTimeOffset.MinValue)))
            {
                unique[c.ConversationId] = c;
            }
        }
        return unique.Values.OrderBy(c => c.ConversationId, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Connected components of "shares a call key with a call it belongs to" (union-find over the conversations). Per
    /// key, its conversations in start order join the latest call of that key that started (its first conversation)
    /// within <see cref="GroupingRules.CallSpan"/> when both have the key as their primary id, or within
    /// <see cref="GroupingRules.FuzzyGap"/> otherwise, and whose caller is theirs (or unknown). Measured from the
    /// call's start, not the previous conversation: a constant id on every call must not chain the day into one call.
    /// An id that starts a second call is a shared one, reported once.
    /// </summary>
    private static List<Call> KeyedCalls(IEnumerable<ObservedConversation> keyed, GroupingRules rules, ISet<string>? sharedIds)
    {
        var members = keyed.ToList();
        var parent = members.ToDictionary(c => c.ConversationId, c => c.ConversationId, StringComparer.Ordinal);
        string Find(string id)
        {
            while (parent[id] != id) id = parent[id] = parent[parent[id]];
            return id;
        }
        void Union(string a, string b)
        {
            var (x, y) = (Find(a), Find(b));
            if (x != y) parent[string.CompareOrdinal(x, y) < 0 ? y : x] = string.CompareOrdinal(x, y) < 0 ? x : y;
        }

        foreach (var byKey in members.SelectMany(c => c.CallKeys.Select(key => (key, c))).GroupBy(x => x.key, StringComparer.Ordinal))
        {
            var calls = new List<KeyedCall>();
            foreach (var (key, c) in byKey.OrderBy(x => x.c.StartTime).ThenBy(x => x.c.ConversationId, StringComparer.Ordinal))
            {
                var call = calls.LastOrDefault(call => call.Admits(c, rules));
                if (call is null)
                {
                    if (calls.Count > 0) sharedIds?.Add(key);
                    calls.Add(new KeyedCall(c, key));
                    continue;
                }
                Union(call.First.ConversationId, c.ConversationId);
                call.Caller ??= c.Caller;
            }
        }
        return members.GroupBy(c => Find(c.ConversationId), StringComparer.Ordinal)
            .Select(g => new Call(g.ToList(), IsFuzzy: false))
            .ToList();
    }

    /// <summary>A call as one key sees it: its first conversation (where its span starts) and its caller once known.</summary>
    private sealed class KeyedCall(ObservedConversation first, string key)
    {
        public ObservedConversation First { get; } = first;
        public string? Caller { get; set; } = first.Caller;

        public bool Admits(ObservedConversation c, GroupingRules rules)
        {
            var bound = First.CallKey == key && c.CallKey == key ? rules.CallSpan : rules.FuzzyGap;
            return c.StartTime - First.StartTime <= bound && (Caller is null || c.Caller is null || Caller == c.Caller);
        }
    }

    /// <summary>
    /// The call a probable sibling was alerted with, or none (it then stands alone): a nearer call found later gets a
    /// group and an alert of its own instead of being pulled under the earlier call's alert.
    /// </summary>
    private static Call? AlertedCall(List<Call> calls, string alertKey, IReadOnlyDictionary<string, string> alertedWith) =>
        calls.FirstOrDefault(call => call.Members.Any(m => m.IsPhoneCall && alertedWith.GetValueOrDefault(m.ConversationId) == alertKey));

    private static Call? Nearest(List<Call> calls, ObservedConversation c, TimeSpan gap, Func<ObservedConversation, bool> candidate) =>
        calls.Select(call => (call, distance: call.Members.Where(candidate).Select(k => Distance(k.StartTime, c.StartTime)).DefaultIfEmpty(TimeSpan.MaxValue).Min()))
            .Where(x => x.distance <= gap)
            .OrderBy(x => x.distance)
            .ThenBy(x => x.call.Members.Min(m => m.ConversationId), StringComparer.Ordinal)
            .Select(x => x.call)
            .FirstOrDefault();

    /// <summary>
    /// The group with its natural key. Separate calls sharing that key are told apart when alerted, by who claimed the key
    /// first (<c>AlertLedger.ClaimKeyAsync</c>), not here: what a grouping sees of a shared key depends on what is
    /// recorded yet, and two judges of one call must agree on its key.
    /// </summary>
    private static DuplicateGroup ToGroup(Call call)
    {
        var sorted = Sort(call.Members);
        var key = call.IsFuzzy
            ? FuzzyKey(sorted[0].AgentId, sorted[0].ConversationId)
            : call.Members.Where(m => m.CallKey is not null).Select(m => m.CallKey!).Min(StringComparer.Ordinal)!;
        return new DuplicateGroup(key, call.IsFuzzy, sorted) { Probable = call.Probable };
    }

    /// <summary>A key for a group without telephony ids that stays valid as a Table PartitionKey and holds no phone number.</summary>
    public static string FuzzyKey(string agentId, string firstConversationId) =>
        Conversations.CallKey.Sanitize($"fuzzy:{agentId}:{firstConversationId}");

    private static List<ObservedConversation> Sort(IEnumerable<ObservedConversation> members) =>
        members.OrderBy(c => c.StartTime).ThenBy(c => c.ConversationId, StringComparer.Ordinal).ToList();

    private static TimeSpan Distance(DateTimeOffset a, DateTimeOffset b) => (a - b).Duration();

    private static bool SameNumber(string? a, string? b) => a is not null && Normalize(a) == Normalize(b);

    private static string? Normalize(string? number)
    {
        if (string.IsNullOrWhiteSpace(number)) return null;
        var digits = new string(number.Where(char.IsDigit).ToArray());
        return digits.Length == 0 ? null : digits;
    }

    private sealed record Call(List<ObservedConversation> Members, bool IsFuzzy)
    {
        public HashSet<string> Probable { get; } = new(StringComparer.Ordinal);
    }
}

using System.Security.Cryptography;
using System.Text;

namespace ConvoFunctions.Detection;

/// <summary>
/// Groups conversations by phone call. Same call key: one group. Without a call key: same agent and caller, with each
/// start within <c>FuzzyGap</c> of the previous one; such a conversation also joins a keyed group of the same agent and
/// caller whose conversations started within the gap (a blank sibling often lacks the SID its real twin carries).
/// </summary>
internal static class DuplicateGrouper
{
    public static IReadOnlyList<DuplicateGroup> Group(IEnumerable<ObservedConversation> conversations, TimeSpan fuzzyGap)
    {
        // One entry per conversation id; a later, richer copy (with a call key) wins over an earlier one.
        var unique = new Dictionary<string, ObservedConversation>(StringComparer.Ordinal);
        foreach (var c in conversations)
        {
            if (!unique.TryGetValue(c.ConversationId, out var seen) || (seen.CallKey is null && c.CallKey is not null)) unique[c.ConversationId] = c;
        }

        var keyed = unique.Values.Where(c => c.CallKey is not null)
            .GroupBy(c => c.CallKey!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        var loose = new List<ObservedConversation>();
        foreach (var c in unique.Values.Where(c => c.CallKey is null).OrderBy(c => c.StartTime))
        {
            var home = c.Caller is null ? null : keyed
                .Where(g => g.Value.Any(k => k.AgentId == c.AgentId && SameNumber(k.Caller, c.Caller) && Distance(k.StartTime, c.StartTime) <= fuzzyGap))
                .OrderBy(g => g.Value.Min(k => Distance(k.StartTime, c.StartTime)))
                .Select(g => g.Value)
                .FirstOrDefault();
            if (home is not null) home.Add(c);
            else loose.Add(c);
        }

        var groups = keyed.Select(g => new DuplicateGroup(g.Key, false, Sort(g.Value))).ToList();

        foreach (var byCaller in loose.GroupBy(c => (c.AgentId, Caller: Normalize(c.Caller))))
        {
            var ordered = byCaller.OrderBy(c => c.StartTime).ThenBy(c => c.ConversationId, StringComparer.Ordinal).ToList();
            var current = new List<ObservedConversation>();
            foreach (var c in ordered)
            {
                // A conversation without a caller number can only stand alone.
                if (current.Count > 0 && (byCaller.Key.Caller is null || c.StartTime - current[^1].StartTime > fuzzyGap))
                {
                    groups.Add(Fuzzy(current));
                    current = [];
                }
                current.Add(c);
            }
            if (current.Count > 0) groups.Add(Fuzzy(current));
        }

        return groups.OrderBy(g => g.First.StartTime).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>A key for a keyless group that stays valid as a Table PartitionKey and holds no phone number.</summary>
    public static string FuzzyKey(string agentId, string? caller, DateTimeOffset firstStart)
    {
        var callerHash = caller is null ? "none"
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Normalize(caller)!)))[..16];
        return $"fuzzy:{Safe(agentId)}:{callerHash}:{firstStart.ToUnixTimeSeconds()}";
    }

    private static DuplicateGroup Fuzzy(List<ObservedConversation> members)
    {
        var sorted = Sort(members);
        return new DuplicateGroup(FuzzyKey(sorted[0].AgentId, sorted[0].Caller, sorted[0].StartTime), true, sorted);
    }

    private static List<ObservedConversation> Sort(List<ObservedConversation> members) =>
        members.OrderBy(c => c.StartTime).ThenBy(c => c.ConversationId, StringComparer.Ordinal).ToList();

    private static TimeSpan Distance(DateTimeOffset a, DateTimeOffset b) => (a - b).Duration();

    private static bool SameNumber(string? a, string? b) => a is not null && Normalize(a) == Normalize(b);

    private static string? Normalize(string? number)
    {
        if (string.IsNullOrWhiteSpace(number)) return null;
        var digits = new string(number.Where(char.IsDigit).ToArray());
        return digits.Length == 0 ? null : digits;
    }

    // Table keys may not hold '/', '\', '#', '?' or control characters.
    private static string Safe(string value) =>
        new(value.Select(ch => ch is '/' or '\\' or '#' or '?' || char.IsControl(ch) ? '_' : ch).ToArray());
}

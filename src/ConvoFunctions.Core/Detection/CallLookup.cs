using ConvoFunctions.Conversations;

namespace ConvoFunctions.Detection;

/// <summary>
/// What <see cref="CallLookup"/> found: the calls of the conversations asked about, grouped by the sweep's rules, the
/// API's facts of every conversation in them, the ids the API does not know, and whether the search was cut short.
/// </summary>
internal sealed record CallLookupResult(
    IReadOnlyList<DuplicateGroup> Calls,
    IReadOnlyDictionary<string, ConversationFacts> Facts,
    IReadOnlyList<string> NotFound,
    int Queries,
    int Details,
    bool Truncated);

/// <summary>
/// The rest of a call, from one or more of its conversation ids and nothing else (no Azure): each conversation is read
/// from the detail endpoint, the agent's conversations around its start are listed (the ranges and the member filter of
/// <see cref="SiblingDiscovery"/>), the unseen ones that may belong to a call are read, nearest first, and everything
/// is grouped by <see cref="DuplicateGrouper"/> exactly as the sweep groups it. Used by <c>convo explain</c>.
/// </summary>
internal static class CallLookup
{
    public static async Task<CallLookupResult> FindAsync(
        IConversationDirectory directory, IReadOnlyCollection<string> conversationIds, DetectionOptions options, CancellationToken cancellationToken)
    {
        var facts = new Dictionary<string, ConversationFacts>(StringComparer.Ordinal);
        var notFound = new List<string>();
        foreach (var id in conversationIds.Distinct(StringComparer.Ordinal))
        {
            if (await directory.GetConversationAsync(id, cancellationToken) is { } read) facts[id] = read;
            else notFound.Add(id);
        }
        var asked = facts.Values.Select(ObservedConversation.From).Where(c => c.AgentId.Length > 0).ToList();

        var (candidates, queries, listTruncated) = await ListAroundAsync(directory, asked, facts.Keys, options, cancellationToken);
        var nearestFirst = candidates
            .OrderBy(item => asked.Min(c => (c.StartTime - item.StartTime).Duration()))
            .ThenBy(item => item.ConversationId, StringComparer.Ordinal)
            .ToList();
        var toRead = nearestFirst.Take(options.DiscoveryMaxDetails).ToList();
        foreach (var item in toRead)
        {
            if (await directory.GetConversationAsync(item.ConversationId, cancellationToken) is { } sibling) facts[item.ConversationId] = sibling;
        }

        var rules = GroupingRules.From(options);
        var groups = DuplicateGrouper.Group(facts.Values.Select(ObservedConversation.From), rules);
        var calls = groups.Where(g => g.ConversationIds.Any(conversationIds.Contains)).ToList();
        return new CallLookupResult(calls, facts, notFound, queries, toRead.Count, listTruncated || toRead.Count < nearestFirst.Count);
    }

    /// <summary>
    /// List items around the conversations asked about that may be members of their calls and are not read yet; at most
    /// <c>DiscoveryMaxQueries</c> pages in all.
    /// </summary>
    private static async Task<(List<ConversationSummary> Candidates, int Queries, bool Truncated)> ListAroundAsync(
        IConversationDirectory directory, IReadOnlyList<ObservedConversation> asked, IEnumerable<string> known, DetectionOptions options,
        CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(known, StringComparer.Ordinal);
        var candidates = new List<ConversationSummary>();
        var queries = 0;
        foreach (var range in SiblingDiscovery.MergedRanges(asked, options.FuzzyGap))
        {
            string? cursor = null;
            do
            {
                if (queries >= options.DiscoveryMaxQueries) return (candidates, queries, true);
                queries++;
                var page = await directory.ListConversationsAsync(new ConversationQuery(range.AgentId, range.From, range.To), cursor, cancellationToken);
                candidates.AddRange(page.Conversations.Where(item => SiblingDiscovery.CanBeMember(item) && seen.Add(item.ConversationId)));
                cursor = page.HasMore && !string.IsNullOrEmpty(page.NextCursor) && page.NextCursor != cursor ? page.NextCursor : null;
            }
            while (cursor is not null);
        }
        return (candidates, queries, false);
    }
}

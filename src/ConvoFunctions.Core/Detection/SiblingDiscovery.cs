using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Detection;

/// <summary>What one discovery pass did.</summary>
internal sealed record DiscoveryResult(IReadOnlyList<ObservedConversation> Found, int Queries, int Details, bool Truncated)
{
    public static DiscoveryResult None { get; } = new([], 0, 0, false);
}

/// <summary>
/// Finds conversations of known calls that never reached us: a blank sibling may send no webhook at all. For every call
/// it asks the list endpoint for the agent's conversations that started within <c>FuzzyGap</c> of it; overlapping
/// ranges of one agent merge into one query. Unseen ids are fetched from the detail endpoint (which has the call SID).
/// Queries and detail fetches are bounded per sweep; the oldest calls go first because they have the fewest sweeps left.
/// </summary>
internal sealed partial class SiblingDiscovery(IConversationDirectory directory, IOptions<DetectionOptions> options, ILogger<SiblingDiscovery> logger)
{
    public async Task<DiscoveryResult> DiscoverAsync(IReadOnlyCollection<ObservedConversation> known, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.DiscoveryEnabled || known.Count == 0) return DiscoveryResult.None;
        if (!directory.IsConfigured)
        {
            LogNotConfigured();
            return DiscoveryResult.None;
        }

        var seen = new HashSet<string>(known.Select(c => c.ConversationId), StringComparer.Ordinal);
        var ranges = MergedRanges(known, settings.FuzzyGap);
        var found = new List<ObservedConversation>();
        int queries = 0, details = 0;
        var truncated = false;

        foreach (var (agentId, from, to) in ranges)
        {
            string? cursor = null;
            do
            {
                if (queries >= settings.DiscoveryMaxQueries) { truncated = true; break; }
                queries++;
                var page = await directory.ListConversationsAsync(new ConversationQuery(agentId, from, to), cursor, cancellationToken);
                foreach (var item in page.Conversations)
                {
                    if (!seen.Add(item.ConversationId)) continue;
                    if (details >= settings.DiscoveryMaxDetails) { truncated = true; continue; }
                    details++;
                    var detail = await directory.GetConversationAsync(item.ConversationId, cancellationToken);
                    if (detail is not null) found.Add(detail);
                }
                cursor = page.HasMore && !string.IsNullOrEmpty(page.NextCursor) && page.NextCursor != cursor ? page.NextCursor : null;
            }
            while (cursor is not null);
            if (truncated && queries >= settings.DiscoveryMaxQueries) break;
        }

        if (truncated) LogTruncated(ranges.Count, queries, details);
        return new DiscoveryResult(found, queries, details, truncated);
    }

    /// <summary>Per agent, the ranges [start − gap, start + gap] of its calls, overlapping ones merged, oldest first.</summary>
    internal static IReadOnlyList<(string AgentId, DateTimeOffset From, DateTimeOffset To)> MergedRanges(
        IEnumerable<ObservedConversation> conversations, TimeSpan gap)
    {
        // The list filter is in whole seconds: widen by one so that a sibling one second apart is always inside.
        var margin = gap + TimeSpan.FromSeconds(1);
        var merged = new List<(string AgentId, DateTimeOffset From, DateTimeOffset To)>();
        foreach (var byAgent in conversations.GroupBy(c => c.AgentId, StringComparer.Ordinal))
        {
            (DateTimeOffset From, DateTimeOffset To)? current = null;
            foreach (var start in byAgent.Select(c => c.StartTime).Order())
            {
                var (from, to) = (start - margin, start + margin);
                if (current is { } c && from <= c.To) current = (c.From, to > c.To ? to : c.To);
                else
                {
                    if (current is { } done) merged.Add((byAgent.Key, done.From, done.To));
                    current = (from, to);
                }
            }
            if (current is { } last) merged.Add((byAgent.Key, last.From, last.To));
        }
        return merged.OrderBy(r => r.From).ToList();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sibling discovery skipped: ElevenLabs:ApiKey is not set")]
    private partial void LogNotConfigured();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sibling discovery reached its bound: {ranges} call ranges, {queries} list queries, {details} detail fetches; the rest waits for the next sweep")]
    private partial void LogTruncated(int ranges, int queries, int details);
}

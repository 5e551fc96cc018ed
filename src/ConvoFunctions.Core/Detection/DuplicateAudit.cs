namespace ConvoFunctions.Detection;

internal sealed record AuditResult(int Listed, int DetailsFetched, IReadOnlyList<DuplicateGroup> Duplicates);

/// <summary>
/// The sweep's detection over ElevenLabs history, through the list and detail endpoints only (no Azure): list every
/// conversation of the period, fetch details only for those with another conversation of the same agent starting
/// within <c>FuzzyGap</c> (only those can share a call), then group them exactly as the sweep does.
/// </summary>
internal static class DuplicateAudit
{
    public static async Task<AuditResult> RunAsync(
        IConversationDirectory directory, DateTimeOffset from, DateTimeOffset to, string? agentId, TimeSpan fuzzyGap,
        int maxConcurrency, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var listed = new List<ConversationSummary>();
        await foreach (var item in directory.ListAllAsync(new ConversationQuery(agentId, from, to), cancellationToken))
        {
            listed.Add(item);
            if (listed.Count % 500 == 0) progress?.Report($"listed {listed.Count} conversations…");
        }
        progress?.Report($"listed {listed.Count} conversations");

        var candidates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var byAgent in listed.GroupBy(c => c.AgentId ?? ""))
        {
            var ordered = byAgent.OrderBy(c => c.StartTime).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].StartTime - ordered[i - 1].StartTime <= fuzzyGap)
                {
                    candidates.Add(ordered[i - 1].ConversationId);
                    candidates.Add(ordered[i].ConversationId);
                }
            }
        }
        progress?.Report($"{candidates.Count} conversations start close to another one; fetching their details");

        var details = new System.Collections.Concurrent.ConcurrentBag<ObservedConversation>();
        var done = 0;
        await Parallel.ForEachAsync(candidates, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxConcurrency), CancellationToken = cancellationToken },
            async (id, ct) =>
            {
                if (await directory.GetConversationAsync(id, ct) is { } detail) details.Add(ObservedConversation.From(detail));
                var n = Interlocked.Increment(ref done);
                if (n % 50 == 0) progress?.Report($"fetched {n}/{candidates.Count} details…");
            });

        var duplicates = DuplicateGrouper.Group(details, fuzzyGap).Where(g => g.IsDuplicate).ToList();
        return new AuditResult(listed.Count, candidates.Count, duplicates);
    }
}

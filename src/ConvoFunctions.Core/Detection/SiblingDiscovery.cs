using ConvoFunctions.Correlation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Detection;

/// <summary>What one discovery pass did. <see cref="Unfinished"/>: calls whose neighbourhood is not fully searched yet.</summary>
internal sealed record DiscoveryResult(IReadOnlyList<ObservedConversation> Found, int Queries, int Details, bool Truncated, IReadOnlySet<string> Unfinished)
{
    public static DiscoveryResult None { get; } = new([], 0, 0, false, new HashSet<string>());

    /// <summary>Wall time spent discovering: the pace (details per second) is measured over this, not the whole sweep.</summary>
    public TimeSpan Elapsed { get; init; }
}

/// <summary>
/// Finds conversations of known calls that never reached us: a blank sibling may send no webhook at all. Around the
/// start of each phone call it is given, it asks the list endpoint for the agent's conversations (overlapping ranges
/// of one agent merged into one query) and fetches the unseen ones from the detail endpoint, whatever their
/// initiation source (the blank sibling may be an SDK session without phone metadata). Each one found is recorded
/// like a webhook-fed conversation, marked as discovered, so it is fetched once. The settle zone (conversations
/// younger than <c>SettleDelay</c>) is left for a later pass, and queries and fetches are bounded per pass, agents in
/// turn and each agent's oldest calls first; the calls not fully searched are reported so that the sweep comes back to them.
/// </summary>
internal sealed partial class SiblingDiscovery(
    IConversationDirectory directory,
    CorrelationRepository repository,
    IOptions<DetectionOptions> options,
    IOptions<ElevenLabs.ElevenLabsOptions> api,
    TimeProvider time,
    Conversations.InitiationSourceNotice sources,
    ILogger<SiblingDiscovery> logger)
{
    public async Task<DiscoveryResult> DiscoverAsync(
        IReadOnlyCollection<ObservedConversation> calls, IReadOnlySet<string> known, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var phoneCalls = calls.Where(c => c.IsPhoneCall).ToList();
        if (!settings.DiscoveryEnabled || phoneCalls.Count == 0) return DiscoveryResult.None;
        if (!directory.IsConfigured)
        {
            LogNotConfigured();
            return DiscoveryResult.None;
        }

        var startedAt = time.GetUtcNow();
        var watch = time.GetTimestamp();
        var settledBefore = startedAt - settings.SettleDelay;
        var seen = new HashSet<string>(known, StringComparer.Ordinal);
        var found = new List<ObservedConversation>();
        var unfinished = new HashSet<string>(StringComparer.Ordinal);
        int queries = 0, details = 0;
        var ranges = MergedRanges(phoneCalls, settings.FuzzyGap);
        // A call is searched once its own window has settled and was listed, whatever its neighbours: a busy agent's
        // range always ends in the settle zone, and holding every call of it would pin the checkpoint for good.
        var windowEnds = phoneCalls.GroupBy(c => c.ConversationId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(c => c.StartTime) + Margin(settings.FuzzyGap), StringComparer.Ordinal);
        bool Spent() => queries >= settings.DiscoveryMaxQueries || details >= settings.DiscoveryMaxDetails
                        || time.GetUtcNow() - startedAt >= settings.DiscoveryBudget;

        for (var r = 0; r < ranges.Count; r++)
        {
            var range = ranges[r];
            var to = range.To > settledBefore ? settledBefore : range.To;
            unfinished.UnionWith(range.Calls.Where(id => windowEnds[id] > settledBefore));
            if (to < range.From) continue;

            string? cursor = null;
            do
            {
                if (Spent()) return BudgetSpent(r);
                queries++;
                var page = await directory.ListConversationsAsync(new ConversationQuery(range.AgentId, range.From, to), cursor, cancellationToken);
                var unseen = new List<ConversationSummary>();
                foreach (var item in page.Conversations)
                {
                    sources.Notice(item.InitiationSource, item.ConversationId);
                    if (item.StartTime > settledBefore || !CanBeMember(item) || !seen.Add(item.ConversationId)) continue;
                    unseen.Add(item);
                }
                // The detail budget counts each read; what it leaves of this page is read by a later sweep.
                var reading = unseen.Take(Math.Max(0, settings.DiscoveryMaxDetails - details)).ToList();
                details += reading.Count;
                if (!await ReadDetailsAsync(reading, found, cancellationToken)) unfinished.UnionWith(range.Calls);
                if (reading.Count < unseen.Count)
                {
                    seen.ExceptWith(unseen.Skip(reading.Count).Select(i => i.ConversationId));
                    return BudgetSpent(r);
                }
                cursor = page.HasMore && !string.IsNullOrEmpty(page.NextCursor) && page.NextCursor != cursor ? page.NextCursor : null;
            }
            while (cursor is not null);
        }
        return new DiscoveryResult(found, queries, details, false, unfinished) { Elapsed = time.GetElapsedTime(watch) };

        DiscoveryResult BudgetSpent(int r)
        {
            var left = ranges.Skip(r).ToList();
            foreach (var rest in left) unfinished.UnionWith(rest.Calls);
            LogBudgetSpent(queries, details, time.GetUtcNow() - startedAt, left.Count, left.Sum(x => x.Calls.Count), left[0].From);
            return new DiscoveryResult(found, queries, details, true, unfinished) { Elapsed = time.GetElapsedTime(watch) };
        }
    }

    /// <summary>
    /// Reads and records these conversations with twice as many workers as one instance may call the API: while half
    /// write what they read to storage, the other half keep every API slot busy (the gate still bounds the calls in
    /// flight, here and app-wide). False when a read failed: one odd answer must not cost the other calls their
    /// discovery, and its range is searched again.
    /// </summary>
    private async Task<bool> ReadDetailsAsync(IReadOnlyList<ConversationSummary> items, List<ObservedConversation> found, CancellationToken cancellationToken)
    {
        var allRead = true;
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 2 * api.Value.MaxConcurrency, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                try
                {
                    if (await directory.GetConversationAsync(item.ConversationId, ct) is not { } facts) return;
                    var discovered = facts with { Discovered = true };
                    // Newer facts stored meanwhile (its webhook): they are a change of their own, read by the next sweep.
                    if (!await repository.UpsertAsync(discovered, ct)) return;
                    lock (found) found.Add(ObservedConversation.From(discovered));
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    LogDetailFailed(item.ConversationId, ex.GetType().Name, ex.Message);
                    allRead = false;
                }
            });
        return allRead;
    }

    /// <summary>
    /// Whether a list item may belong to a phone call (<see cref="Conversations.InitiationSources.MayBeMember"/>): a widget
    /// visit, a preview or an integration's chat never does, so its detail read would be spent for nothing.
    /// </summary>
    internal static bool CanBeMember(ConversationSummary item) => Conversations.InitiationSources.MayBeMember(item.InitiationSource);

    /// <summary>Refetches conversations read too early to judge; each answer is recorded (and so becomes a change).</summary>
    public async Task<IReadOnlyList<ObservedConversation>> RefreshAsync(IEnumerable<ObservedConversation> unsettled, CancellationToken cancellationToken)
    {
        if (!directory.IsConfigured) return [];
        var refreshed = new List<ObservedConversation>();
        foreach (var c in unsettled)
        {
            try
            {
                var facts = await directory.GetConversationAsync(c.ConversationId, cancellationToken);
                var again = facts is not null ? facts with { Discovered = c.Discovered }
                    // Gone from the API: recorded as not found under its own keys, so it is settled and its call judged.
                    : Conversations.ConversationFacts.NotFound(c.ConversationId, c.AgentId, c.StartTime) with
                    {
                        ReadAt = time.GetUtcNow(), CallKey = c.CallKey, CallKeys = c.CallKeys.ToList(), Discovered = c.Discovered,
                    };
                if (await repository.UpsertAsync(again, cancellationToken)) refreshed.Add(ObservedConversation.From(again));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogDetailFailed(c.ConversationId, ex.GetType().Name, ex.Message);
            }
        }
        return refreshed;
    }

    /// <summary>
    /// Per agent, the ranges [start − gap, start + gap] of its calls, overlapping ones merged; agents served in turn
    /// (every agent's oldest range, then every agent's next, each round oldest first), so that when a sweep's budget runs
    /// out one agent's backlog has not kept the others from being searched at all.
    /// </summary>
    internal static IReadOnlyList<(string AgentId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<string> Calls)> MergedRanges(
        IEnumerable<ObservedConversation> conversations, TimeSpan gap)
    {
        var margin = Margin(gap);
        var merged = new List<(string AgentId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<string> Calls)>();
        foreach (var byAgent in conversations.GroupBy(c => c.AgentId, StringComparer.Ordinal))
        {
            (DateTimeOffset From, DateTimeOffset To, List<string> Calls)? current = null;
            foreach (var c in byAgent.OrderBy(c => c.StartTime))
            {
                var (from, to) = (c.StartTime - margin, c.StartTime + margin);
                if (current is { } open && from <= open.To)
                {
                    open.Calls.Add(c.ConversationId);
                    current = (open.From, to > open.To ? to : open.To, open.Calls);
                }
                else
                {
                    if (current is { } done) merged.Add((byAgent.Key, done.From, done.To, done.Calls));
                    current = (from, to, [c.ConversationId]);
                }
            }
            if (current is { } last) merged.Add((byAgent.Key, last.From, last.To, last.Calls));
        }
        return merged.GroupBy(r => r.AgentId, StringComparer.Ordinal)
            .SelectMany(agent => agent.OrderBy(r => r.From).Select((range, turn) => (range, turn)))
            .OrderBy(x => x.turn).ThenBy(x => x.range.From)
            .Select(x => x.range).ToList();
    }

    // The list filter is in whole seconds: widen by one so that a sibling one second apart is always inside.
    private static TimeSpan Margin(TimeSpan gap) => gap + TimeSpan.FromSeconds(1);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sibling discovery skipped: ElevenLabs:ApiKey is not set")]
    private partial void LogNotConfigured();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sibling discovery spent this sweep's budget ({queries} list queries, {details} detail fetches, {elapsed}); {ranges_left} ranges around {calls_left} calls are left, from {resume_from:o}, and the next sweep resumes there, agents in turn")]
    private partial void LogBudgetSpent(int queries, int details, TimeSpan elapsed, int ranges_left, int calls_left, DateTimeOffset resume_from);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetching conversation {conversation_id} failed ({error_type}: {error}); it is tried again by a later sweep")]
    private partial void LogDetailFailed(string conversation_id, string error_type, string error);
}

using ConvoFunctions.Correlation;

namespace ConvoFunctions.Detection;

/// <summary>
/// The conversations one sweep needs around its changes: all conversations of each call key (one <c>calls</c>
/// partition each, whatever their age) and the conversations that started near each change (the <c>activity</c>
/// hour buckets around its start). Every partition is read at most once per sweep, so the cost follows the changes
/// and their neighbourhoods, never the history.
/// </summary>
internal sealed class ConversationNeighbourhood(CorrelationRepository repository)
{
    private readonly Dictionary<string, IReadOnlyList<ObservedConversation>> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ObservedConversation>> _buckets = new(StringComparer.Ordinal);

    /// <summary>Rows read from storage so far (each partition once).</summary>
    public int RowsRead { get; private set; }

    public async Task<IReadOnlyList<ObservedConversation>> CallAsync(string callKey, CancellationToken cancellationToken)
    {
        if (_calls.TryGetValue(callKey, out var cached)) return cached;
        var rows = await repository.GetCallAsync(callKey, cancellationToken);
        RowsRead += rows.Count;
        return _calls[callKey] = rows.Select(ObservedConversation.From).ToList();
    }

    /// <summary>Conversations whose start lies in <c>[from, to]</c>.</summary>
    public async Task<IReadOnlyList<ObservedConversation>> StartedAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var result = new List<ObservedConversation>();
        foreach (var bucket in ActivityBuckets.Covering(from, to))
        {
            if (!_buckets.TryGetValue(bucket, out var rows))
            {
                var hour = DateTimeOffset.ParseExact(bucket, ActivityBuckets.Format, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal);
                var read = await repository.GetActivityAsync(hour, hour + ActivityBuckets.Width - TimeSpan.FromTicks(1), cancellationToken);
                RowsRead += read.Count;
                rows = _buckets[bucket] = read.Select(ObservedConversation.From).ToList();
            }
            result.AddRange(rows.Where(c => c.StartTime >= from && c.StartTime <= to));
        }
        return result;
    }

    /// <summary>
    /// A conversation's neighbourhood: the conversations of its calls, those that started within <paramref name="gap"/>
    /// of it, and the calls of those (a keyless sibling's twin may hold the call's other conversations).
    /// </summary>
    public async Task<IReadOnlyList<ObservedConversation>> AroundAsync(ChangeRow change, TimeSpan gap, CancellationToken cancellationToken)
    {
        var found = new List<ObservedConversation>();
        foreach (var key in CorrelationKeys.SplitCallKeys(change.CallKeys)) found.AddRange(await CallAsync(key, cancellationToken));
        if (change.StartTime is not { } start) return found;
        var near = await StartedAsync(start - gap, start + gap, cancellationToken);
        found.AddRange(near);
        foreach (var key in near.Where(c => c.AgentId == (change.AgentId ?? "")).SelectMany(c => c.CallKeys).Distinct(StringComparer.Ordinal).ToList())
        {
            found.AddRange(await CallAsync(key, cancellationToken));
        }
        return found;
    }
}

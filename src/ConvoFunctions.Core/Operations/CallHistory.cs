using Azure.Data.Tables;
using ConvoFunctions.Alerts;
using ConvoFunctions.Detection;

namespace ConvoFunctions.Operations;

/// <summary>One alert of a call: its generation (conversation count) and each channel's state (<see cref="ChannelState"/>).</summary>
internal sealed record AlertRecord(string Generation, IReadOnlyDictionary<string, string> Channels, DateTimeOffset? LastChange);

/// <summary>The incident a duplicate call counts in: its pattern's key, where that episode stands, and whether the call was folded (no post of its own).</summary>
internal sealed record IncidentRecord(string Key, int Episode, string Status, bool Folded, int Calls, DateTimeOffset? FirstSeen, DateTimeOffset? LastSeen)
{
    /// <summary><c>open #1, folded</c>.</summary>
    public string Describe() => $"{Status} #{Episode}{(Folded ? ", folded" : "")}";
}

/// <summary>One telephony call as the deployed app recorded it: its conversations, the verdict, its alerts and its incident.</summary>
internal sealed record RecordedCall(DuplicateGroup Group, IReadOnlyList<AlertRecord> Alerts, IncidentRecord? Incident = null);

/// <summary>
/// What the app recorded, read back from Table Storage (<c>activity</c> for the window, <c>alerts</c> per call) and
/// grouped with the sweep's rules; <c>convo calls</c> prints it.
/// </summary>
internal sealed class CallHistory(ConversationNeighbourhood conversations, AlertLedger ledger, IncidentRecords incidents)
{
    private const string StateSuffix = "_State";

    public async Task<IReadOnlyList<RecordedCall>> ReadAsync(DateTimeOffset from, DateTimeOffset to, GroupingRules rules, CancellationToken cancellationToken)
    {
        var groups = DuplicateGrouper.Group(await conversations.StartedAsync(from, to, cancellationToken), rules);
        var patterns = (await incidents.ListAsync(cancellationToken)).ToDictionary(i => i.Pattern.Key, StringComparer.Ordinal);
        var calls = new List<RecordedCall>(groups.Count);
        foreach (var group in groups)
        {
            IReadOnlyList<AlertRecord> alerts = [];
            IncidentRecord? incident = null;
            if (group.IsDuplicate)
            {
                // A call keeps the key of its first alert (the member index), as the sweep finds it.
                var key = (await ledger.AlertKeysOfAsync(group.ConversationIds, cancellationToken)).FirstOrDefault() ?? group.Key;
                alerts = (await ledger.RowsAsync(key, cancellationToken)).Select(Alert).ToList();
                incident = Incident(await incidents.CallAsync(key, cancellationToken), patterns);
            }
            calls.Add(new RecordedCall(group, alerts, incident));
        }
        return calls;
    }

    /// <summary>
    /// The incident the call counts in, once that episode has opened: a call alerted on its own whose pattern never
    /// recurred belongs to none. An earlier episode than the pattern's current one is over: resolved.
    /// </summary>
    private static IncidentRecord? Incident(CallIncident? call, IReadOnlyDictionary<string, Incident> patterns)
    {
        if (call is null || !patterns.TryGetValue(call.IncidentKey, out var incident) || incident.Episode < call.Episode || incident.Status == IncidentStatus.Watching) return null;
        var current = incident.Episode == call.Episode;
        return new IncidentRecord(call.IncidentKey, call.Episode, current ? incident.Status : IncidentStatus.Resolved, call.Folded,
            current ? incident.Count : 0, current ? incident.FirstSeen : null, current ? incident.LastSeen : null);
    }

    private static AlertRecord Alert(TableEntity row) => new(
        row.RowKey,
        row.Keys.Where(k => k.EndsWith(StateSuffix, StringComparison.Ordinal))
            .ToDictionary(k => k[..^StateSuffix.Length], k => row.GetString(k) ?? "", StringComparer.Ordinal),
        row.Timestamp);
}

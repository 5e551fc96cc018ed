using Azure.Data.Tables;
using ConvoFunctions.Alerts;
using ConvoFunctions.Detection;

namespace ConvoFunctions.Operations;

/// <summary>One alert of a call: its generation (conversation count) and each channel's state (<see cref="ChannelState"/>).</summary>
internal sealed record AlertRecord(string Generation, IReadOnlyDictionary<string, string> Channels, DateTimeOffset? LastChange);

/// <summary>One telephony call as the deployed app recorded it: its conversations, the verdict, and its alerts.</summary>
internal sealed record RecordedCall(DuplicateGroup Group, IReadOnlyList<AlertRecord> Alerts);

/// <summary>
/// What the app recorded, read back from Table Storage (<c>activity</c> for the window, <c>alerts</c> per call) and
/// grouped with the sweep's rules; <c>convo calls</c> prints it.
/// </summary>
internal sealed class CallHistory(ConversationNeighbourhood conversations, AlertLedger ledger)
{
    private const string StateSuffix = "_State";

    public async Task<IReadOnlyList<RecordedCall>> ReadAsync(DateTimeOffset from, DateTimeOffset to, GroupingRules rules, CancellationToken cancellationToken)
    {
        var groups = DuplicateGrouper.Group(await conversations.StartedAsync(from, to, cancellationToken), rules);
        var calls = new List<RecordedCall>(groups.Count);
        foreach (var group in groups)
        {
            IReadOnlyList<AlertRecord> alerts = [];
            if (group.IsDuplicate)
            {
                // A call keeps the key of its first alert (the member index), as the sweep finds it.
                var key = (await ledger.AlertKeysOfAsync(group.ConversationIds, cancellationToken)).FirstOrDefault() ?? group.Key;
                alerts = (await ledger.RowsAsync(key, cancellationToken)).Select(Alert).ToList();
            }
            calls.Add(new RecordedCall(group, alerts));
        }
        return calls;
    }

    private static AlertRecord Alert(TableEntity row) => new(
        row.RowKey,
        row.Keys.Where(k => k.EndsWith(StateSuffix, StringComparison.Ordinal))
            .ToDictionary(k => k[..^StateSuffix.Length], k => row.GetString(k) ?? "", StringComparer.Ordinal),
        row.Timestamp);
}

namespace ConvoFunctions.Detection;

/// <summary>
/// The conversations we already know of (from webhooks and enrichment) that started in a time window. The Azure Table
/// implementation reads the <c>activity</c> table's hour buckets, so its cost follows the window, not the table size.
/// </summary>
internal interface IConversationWindow
{
    /// <summary>Conversations whose start time lies in <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive).</summary>
    Task<IReadOnlyList<ObservedConversation>> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

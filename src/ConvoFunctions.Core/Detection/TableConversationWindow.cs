using ConvoFunctions.Correlation;

namespace ConvoFunctions.Detection;

/// <summary>
/// The conversations enrichment recorded, from the <c>activity</c> table's hour buckets: one partition query per hour
/// of the window, so a sweep's cost follows the window, not the size of the history.
/// </summary>
internal sealed class TableConversationWindow(CorrelationRepository repository) : IConversationWindow
{
    public async Task<IReadOnlyList<ObservedConversation>> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        (await repository.GetActivityAsync(from, to, cancellationToken))
            .Where(row => row.StartTime < to)
            .Select(ObservedConversation.From)
            .ToList();
}

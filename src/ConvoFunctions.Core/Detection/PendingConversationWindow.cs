using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Detection;

/// <summary>
/// Stand-in until the Table-backed window over the enrichment tables is registered: it knows no conversations, so the
/// sweep still retries alerts and checks the webhook's health. Registered with TryAdd; the real one replaces it.
/// </summary>
internal sealed partial class PendingConversationWindow(ILogger<PendingConversationWindow> logger) : IConversationWindow
{
    public Task<IReadOnlyList<ObservedConversation>> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        LogPending();
        return Task.FromResult<IReadOnlyList<ObservedConversation>>([]);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No conversation window is registered yet: the sweep sees no stored conversations")]
    private partial void LogPending();
}

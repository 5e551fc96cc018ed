using System.Collections.Concurrent;
using System.Net;
using ConvoFunctions.Detection;

namespace ConvoFunctions.Cli.Reports;

/// <summary>
/// What a long audit has done so far, for its progress display and its report: pages listed, conversations per UTC
/// day, details fetched, and rate-limit answers (each one a wait of the client's retry). Updated from several threads.
/// </summary>
internal sealed class AuditCounters
{
    private readonly ConcurrentDictionary<DateOnly, int> _perDay = new();
    private int _pages, _listed, _details, _rateLimited;

    public int Pages => Volatile.Read(ref _pages);
    public int Listed => Volatile.Read(ref _listed);
    public int Details => Volatile.Read(ref _details);
    public int RateLimited => Volatile.Read(ref _rateLimited);

    /// <summary>Conversations listed per UTC day of their start.</summary>
    public IReadOnlyDictionary<DateOnly, int> PerDay => _perDay;

    public void PageListed(IEnumerable<ConversationSummary> items)
    {
        Interlocked.Increment(ref _pages);
        foreach (var item in items)
        {
            Interlocked.Increment(ref _listed);
            _perDay.AddOrUpdate(DateOnly.FromDateTime(item.StartTime.UtcDateTime), 1, (_, n) => n + 1);
        }
    }

    public void DetailFetched() => Interlocked.Increment(ref _details);

    public void RateLimitAnswered() => Interlocked.Increment(ref _rateLimited);
}

/// <summary>The API as the audit sees it, counting into <see cref="AuditCounters"/> on the way.</summary>
internal sealed class CountingDirectory(IConversationDirectory inner, AuditCounters counters) : IConversationDirectory
{
    public bool IsConfigured => inner.IsConfigured;

    public async Task<ConversationPage> ListConversationsAsync(ConversationQuery query, string? cursor, CancellationToken cancellationToken)
    {
        var page = await inner.ListConversationsAsync(query, cursor, cancellationToken);
        counters.PageListed(page.Conversations);
        return page;
    }

    public async Task<Conversations.ConversationFacts?> GetConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        var detail = await inner.GetConversationAsync(conversationId, cancellationToken);
        counters.DetailFetched();
        return detail;
    }

    public Task<IReadOnlyList<WorkspaceWebhook>> ListWebhooksAsync(CancellationToken cancellationToken) => inner.ListWebhooksAsync(cancellationToken);

    public Task<PostCallWebhookSettings?> GetPostCallWebhookAsync(CancellationToken cancellationToken) => inner.GetPostCallWebhookAsync(cancellationToken);

    public Task<PostCallWebhookSettings?> GetAgentPostCallWebhookAsync(string agentId, CancellationToken cancellationToken) =>
        inner.GetAgentPostCallWebhookAsync(agentId, cancellationToken);
}

/// <summary>Inside the resilience handler, so it sees every attempt: counts the 429 answers the client then waits out.</summary>
internal sealed class RateLimitCounter(AuditCounters counters) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests) counters.RateLimitAnswered();
        return response;
    }
}

namespace ConvoFunctions.Detection;

/// <summary>What detection asks of the ElevenLabs API.</summary>
internal interface IConversationDirectory
{
    /// <summary>True when an API key is configured; without one, discovery and the webhook check are skipped.</summary>
    bool IsConfigured { get; }

    /// <summary>One page of <c>GET /v1/convai/conversations</c>; pass the previous page's <c>NextCursor</c> to continue.</summary>
    Task<ConversationPage> ListConversationsAsync(ConversationQuery query, string? cursor, CancellationToken cancellationToken);

    /// <summary><c>GET /v1/convai/conversations/{id}</c> read as enrichment reads it, or null when it does not exist.</summary>
    Task<Conversations.ConversationFacts?> GetConversationAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary><c>GET /v1/workspace/webhooks</c>.</summary>
    Task<IReadOnlyList<WorkspaceWebhook>> ListWebhooksAsync(CancellationToken cancellationToken);

    /// <summary><c>webhooks</c> of <c>GET /v1/convai/settings</c>: the workspace's post-call webhook; null when it has none.</summary>
    Task<PostCallWebhookSettings?> GetPostCallWebhookAsync(CancellationToken cancellationToken);

    /// <summary>
    /// <c>platform_settings.workspace_overrides.webhooks</c> of <c>GET /v1/convai/agents/{id}</c>: where the agent sends its
    /// post-call events instead of the workspace's webhook; null when it does not override it.
    /// </summary>
    Task<PostCallWebhookSettings?> GetAgentPostCallWebhookAsync(string agentId, CancellationToken cancellationToken);
}

/// <summary>
/// The SDK's <c>ConvAiWebhooks</c>: the post-call webhook's id and its subscribed events (<c>transcript</c>, <c>audio</c>,
/// <c>call_initiation_failure</c>, <c>unredacted_transcript</c>, <c>unredacted_audio</c>); null events: the API did not say.
/// </summary>
internal sealed record PostCallWebhookSettings(string? WebhookId, IReadOnlyList<string>? Events)
{
    /// <summary>The events this app needs, missing from <see cref="Events"/> (none when the API did not list any).</summary>
    public IReadOnlyList<string> MissingEvents()
    {
        if (Events is null) return [];
        var missing = new List<string>();
        if (!Events.Any(e => e is "transcript" or "unredacted_transcript")) missing.Add("transcript");
        if (!Events.Contains("call_initiation_failure")) missing.Add("call_initiation_failure");
        return missing;
    }
}

/// <summary>Filters of the list endpoint; times are sent as unix seconds.</summary>
internal sealed record ConversationQuery(string? AgentId, DateTimeOffset? StartAfter, DateTimeOffset? StartBefore, int PageSize = 100);

/// <summary>An item of the list endpoint: it carries no call SID, so details come from the detail endpoint.</summary>
internal sealed record ConversationSummary(
    string ConversationId, string? AgentId, DateTimeOffset StartTime, int DurationSecs, int MessageCount, string? Status, string? Direction,
    string? InitiationSource = null);

internal sealed record ConversationPage(IReadOnlyList<ConversationSummary> Conversations, bool HasMore, string? NextCursor);

/// <summary>An item of <c>GET /v1/workspace/webhooks</c> (unknown fields ignored, missing ones null).</summary>
internal sealed record WorkspaceWebhook(
    string WebhookId,
    string? Name,
    string? WebhookUrl,
    bool IsDisabled,
    bool IsAutoDisabled,
    int? MostRecentFailureErrorCode,
    DateTimeOffset? MostRecentFailureTime);

internal static class ConversationDirectoryExtensions
{
    /// <summary>Every item of a query, page by page (<c>cursor</c> / <c>next_cursor</c>).</summary>
    public static async IAsyncEnumerable<ConversationSummary> ListAllAsync(
        this IConversationDirectory directory, ConversationQuery query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var page = await directory.ListConversationsAsync(query, cursor, cancellationToken);
            foreach (var item in page.Conversations) yield return item;
            cursor = page.HasMore && !string.IsNullOrEmpty(page.NextCursor) && page.NextCursor != cursor ? page.NextCursor : null;
        }
        while (cursor is not null);
    }
}

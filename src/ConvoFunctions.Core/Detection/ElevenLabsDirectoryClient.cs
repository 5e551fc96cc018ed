using System.Text.Json;
using ConvoFunctions.ElevenLabs;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Detection;

/// <summary>
/// What detection asks of the ElevenLabs API, through the shared typed <see cref="ElevenLabsClient"/> (same key,
/// resilience and parsing as enrichment) and behind the same concurrency gate, since live calls share the workspace.
/// </summary>
internal sealed class ElevenLabsDirectoryClient(
    ElevenLabsClient client,
    ElevenLabsConcurrencyGate gate,
    IOptions<ElevenLabsOptions> options,
    TimeProvider time) : IConversationDirectory
{
    public const int MaxPageSize = 100;

    public bool IsConfigured => options.Value.HasApiKey;

    public async Task<ConversationPage> ListConversationsAsync(ConversationQuery query, string? cursor, CancellationToken cancellationToken)
    {
        var list = await gate.RunAsync(ct => client.ListConversationsAsync(new ConversationListQuery(
            query.AgentId, cursor, Math.Clamp(query.PageSize, 1, MaxPageSize), query.StartAfter, query.StartBefore), ct), cancellationToken);
        var items = (list.Conversations ?? [])
            .Where(c => !string.IsNullOrEmpty(c.ConversationId))
            .Select(c => new ConversationSummary(
                c.ConversationId!,
                c.AgentId,
                UnixTime.Read(c.StartTimeUnixSecs) ?? DateTimeOffset.MinValue,
                (int)Math.Round(c.CallDurationSecs ?? 0),
                c.MessageCount ?? 0,
                c.Status,
                c.Direction,
                string.IsNullOrWhiteSpace(c.ConversationInitiationSource) ? null : c.ConversationInitiationSource.Trim()))
            .ToList();
        return new ConversationPage(items, list.HasMore ?? false, list.NextCursor);
    }

    public async Task<Conversations.ConversationFacts?> GetConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        var conversation = await gate.RunAsync(ct => client.GetConversationAsync(conversationId, ct), cancellationToken);
        return conversation is null ? null
            : Conversations.ConversationFacts.FromConversation(conversation, conversationId, Conversations.FactSources.Api, eventTime: null, time.GetUtcNow());
    }

    public async Task<IReadOnlyList<WorkspaceWebhook>> ListWebhooksAsync(CancellationToken cancellationToken)
    {
        using var document = await gate.RunAsync(ct => client.GetJsonAsync("v1/workspace/webhooks", ct), cancellationToken);
        var result = new List<WorkspaceWebhook>();
        if (!document.RootElement.TryGetProperty("webhooks", out var list) || list.ValueKind != JsonValueKind.Array) return result;
        foreach (var item in list.EnumerateArray())
        {
            var webhook = item.Deserialize<WorkspaceWebhookDto>(ElevenLabs.ElevenLabsJson.Options);
            if (webhook?.WebhookId is not { Length: > 0 } id) continue;
            result.Add(new WorkspaceWebhook(
                id, webhook.Name, webhook.WebhookUrl, webhook.IsDisabled ?? false, webhook.IsAutoDisabled ?? false,
                webhook.MostRecentFailureErrorCode,
                UnixTime.Read(webhook.MostRecentFailureTimestamp)));
        }
        return result;
    }

    public async Task<PostCallWebhookSettings?> GetPostCallWebhookAsync(CancellationToken cancellationToken)
    {
        using var document = await gate.RunAsync(ct => client.GetJsonAsync("v1/convai/settings", ct), cancellationToken);
        return document.RootElement.TryGetProperty("webhooks", out var webhooks) ? Webhooks(webhooks) : null;
    }

    public async Task<PostCallWebhookSettings?> GetAgentPostCallWebhookAsync(string agentId, CancellationToken cancellationToken)
    {
        using var document = await gate.RunAsync(ct => client.GetJsonAsync("v1/convai/agents/" + Uri.EscapeDataString(agentId), ct), cancellationToken);
        return document.RootElement.TryGetProperty("platform_settings", out var platform) && platform.ValueKind == JsonValueKind.Object
               && platform.TryGetProperty("workspace_overrides", out var overrides) && overrides.ValueKind == JsonValueKind.Object
               && overrides.TryGetProperty("webhooks", out var webhooks)
            ? Webhooks(webhooks) is { WebhookId: not null } settings ? settings : null
            : null;
    }

    private static PostCallWebhookSettings? Webhooks(JsonElement webhooks)
    {
        if (webhooks.ValueKind != JsonValueKind.Object) return null;
        var id = webhooks.TryGetProperty("post_call_webhook_id", out var value) && value.ValueKind == JsonValueKind.String
                 && !string.IsNullOrWhiteSpace(value.GetString()) ? value.GetString() : null;
        var events = webhooks.TryGetProperty("events", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : null;
        return new PostCallWebhookSettings(id, events);
    }

    /// <summary>An item of <c>GET /v1/workspace/webhooks</c>; unknown fields are ignored, missing ones are null.</summary>
    private sealed record WorkspaceWebhookDto
    {
        [System.Text.Json.Serialization.JsonPropertyName("webhook_id")] public string? WebhookId { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("name")] public string? Name { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("webhook_url")] public string? WebhookUrl { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("is_disabled")] public bool? IsDisabled { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("is_auto_disabled")] public bool? IsAutoDisabled { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("most_recent_failure_error_code")] public int? MostRecentFailureErrorCode { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("most_recent_failure_timestamp")] public double? MostRecentFailureTimestamp { get; init; }
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using ConvoFunctions.ElevenLabs;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Detection;

/// <summary>
/// The few ElevenLabs API calls detection makes, as a typed <see cref="HttpClient"/> (resilience from the factory).
/// The API key goes in the <c>xi-api-key</c> header only; it never appears in an exception or a log line.
/// </summary>
internal sealed class ElevenLabsDirectoryClient(HttpClient http, IOptions<ElevenLabsOptions> options) : IConversationDirectory
{
    public const int MaxPageSize = 100;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.ApiKey);

    public async Task<ConversationPage> ListConversationsAsync(ConversationQuery query, string? cursor, CancellationToken cancellationToken)
    {
        var parameters = new List<string> { $"page_size={Math.Clamp(query.PageSize, 1, MaxPageSize)}" };
        if (!string.IsNullOrEmpty(query.AgentId)) parameters.Add($"agent_id={Uri.EscapeDataString(query.AgentId)}");
        if (query.StartAfter is { } after) parameters.Add($"call_start_after_unix={after.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}");
        if (query.StartBefore is { } before) parameters.Add($"call_start_before_unix={before.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}");
        if (!string.IsNullOrEmpty(cursor)) parameters.Add($"cursor={Uri.EscapeDataString(cursor)}");

        using var document = await GetAsync("v1/convai/conversations?" + string.Join('&', parameters), allowNotFound: false, cancellationToken);
        return ElevenLabsJson.ParsePage(document!.RootElement);
    }

    public async Task<ObservedConversation?> GetConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        using var document = await GetAsync($"v1/convai/conversations/{Uri.EscapeDataString(conversationId)}", allowNotFound: true, cancellationToken);
        return document is null ? null : ElevenLabsJson.ParseConversation(document.RootElement);
    }

    public async Task<IReadOnlyList<WorkspaceWebhook>> ListWebhooksAsync(CancellationToken cancellationToken)
    {
        using var document = await GetAsync("v1/workspace/webhooks", allowNotFound: false, cancellationToken);
        return ElevenLabsJson.ParseWebhooks(document!.RootElement);
    }

    private async Task<JsonDocument?> GetAsync(string relative, bool allowNotFound, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var baseUrl = settings.BaseUrl.ToString().TrimEnd('/') + "/";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(baseUrl), relative));
        if (!string.IsNullOrEmpty(settings.ApiKey)) request.Headers.TryAddWithoutValidation("xi-api-key", settings.ApiKey);
        request.Headers.Accept.ParseAdd("application/json");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (allowNotFound && response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode)
        {
            // The path only: query values are ids and times, the key is a header.
            throw new HttpRequestException(
                $"ElevenLabs GET {request.RequestUri!.AbsolutePath} answered {(int)response.StatusCode} {response.ReasonPhrase}.",
                null, response.StatusCode);
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
    }
}

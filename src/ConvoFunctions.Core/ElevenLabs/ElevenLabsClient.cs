using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ConvoFunctions.ElevenLabs;

/// <summary>
/// Typed client for the ElevenLabs Agents API. Registered with <c>AddHttpClient</c>: base address and
/// <c>xi-api-key</c> from <see cref="ElevenLabsOptions"/>, the standard resilience handler around every request
/// (see <see cref="ElevenLabsServiceCollectionExtensions"/>). Answers that are still failures after it throw
/// <see cref="ElevenLabsApiException"/>, except a 404 on a single conversation, which is a result.
/// </summary>
internal sealed class ElevenLabsClient(HttpClient http)
{
    public const string ApiKeyHeader = "xi-api-key";

    /// <summary><c>GET /v1/convai/conversations/{id}</c>; null when the API answers 404.</summary>
    public async Task<ConversationDto?> GetConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        var path = "v1/convai/conversations/" + Uri.EscapeDataString(conversationId);
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return await ReadAsync<ConversationDto>(response, path, cancellationToken);
    }

    /// <summary><c>GET /v1/convai/conversations</c>: one page, newest first.</summary>
    public async Task<ConversationListDto> ListConversationsAsync(ConversationListQuery query, CancellationToken cancellationToken)
    {
        var parameters = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null) parameters.Add(name + "=" + Uri.EscapeDataString(value));
        }
        Add("agent_id", query.AgentId);
        Add("cursor", query.Cursor);
        Add("page_size", query.PageSize?.ToString(CultureInfo.InvariantCulture));
        Add("call_start_after_unix", query.StartedAfter?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        Add("call_start_before_unix", query.StartedBefore?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        var path = "v1/convai/conversations" + (parameters.Count == 0 ? "" : "?" + string.Join('&', parameters));
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return await ReadAsync<ConversationListDto>(response, path, cancellationToken);
    }

    /// <summary>Any other read-only endpoint (e.g. <c>v1/workspace/webhooks</c>) as a JSON document.</summary>
    public async Task<JsonDocument> GetJsonAsync(string relativePath, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(relativePath.TrimStart('/'), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, relativePath, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string path, CancellationToken cancellationToken) where T : class
    {
        await EnsureSuccessAsync(response, path, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(ElevenLabsJson.Options, cancellationToken)
            ?? throw new JsonException($"ElevenLabs API answered null for GET /{PathOnly(path)}");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        throw new ElevenLabsApiException(response.StatusCode, await ErrorCodeAsync(response, cancellationToken), "/" + PathOnly(path));
    }

    private static string PathOnly(string path) => path.Split('?', 2)[0];

    /// <summary>ElevenLabs errors look like <c>{"detail":{"status":"too_many_concurrent_requests","message":"..."}}</c>.</summary>
    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (text.Length is 0 or > 64 * 1024) return null;
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("detail", out var detail))
            {
                if (detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String)
                {
                    return Short(status.GetString());
                }
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private static string? Short(string? value) => value is { Length: > 80 } ? value[..80] : value;
}

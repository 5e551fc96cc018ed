using System.Net.Http.Headers;
using System.Text.Json;
using ConvoFunctions.Metrics;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Initiation;

/// <summary>
/// Proxy mode: forwards the request to the team's own personalization webhook, so that the workspace's one
/// initiation URL can point here without losing it. Any failure returns null and the caller answers the defaults.
/// </summary>
internal sealed partial class InitiationUpstream(HttpClient http, InitiationSettings settings, ConvoMetrics metrics, ILogger<InitiationUpstream> logger)
{
    /// <summary>The upstream's 2xx JSON-object answer as it is, or null (failed, timed out, not JSON).</summary>
    public async Task<string?> AskAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Upstream) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in settings.UpstreamHeaders)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LogFallback(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                metrics.InitiationUpstream($"http_{(int)response.StatusCode}");
                return null;
            }
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!IsJsonObject(answer))
            {
                LogFallback("answer is not a JSON object");
                metrics.InitiationUpstream("not_json");
                return null;
            }
            metrics.InitiationUpstream("answered");
            return answer;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or TimeoutException
                                   or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException)
        {
            // The exception's message can name the URL, which may hold a key: only its type is logged.
            LogFallback(ex.GetType().Name);
            metrics.InitiationUpstream(ex.GetType().Name);
            return null;
        }
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Initiation upstream failed ({reason}); answered the default dynamic variables")]
    private partial void LogFallback(string reason);
}

using ConvoFunctions.Metrics;

namespace ConvoFunctions.ElevenLabs;

/// <summary>
/// Counts every attempt at the ElevenLabs API by endpoint and status (<see cref="MetricNames.ElevenLabsRequests"/>).
/// It sits inside the resilience handler, so a 429 that is retried and then answered counts as a 429 and a 200: the
/// throttling stays visible even when nothing failed in the end.
/// </summary>
internal sealed class ElevenLabsRequestCounter(ConvoMetrics metrics) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var endpoint = Endpoint(request.RequestUri);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch
        {
            metrics.ElevenLabsRequest(endpoint, null);
            throw;
        }
        metrics.ElevenLabsRequest(endpoint, (int)response.StatusCode);
        return response;
    }

    /// <summary>
    /// The path with its ids as <c>{id}</c> (<c>/v1/convai/conversations/{id}</c>), so the tag has one value per
    /// endpoint, not per conversation. An id is a segment past the version and the product that holds a digit or an
    /// underscore (<c>conv_…</c>, <c>agent_…</c>); the names of endpoints hold neither.
    /// </summary>
    internal static string Endpoint(Uri? uri)
    {
        if (uri is null) return "unknown";
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 2; i < segments.Length; i++)
        {
            if (segments[i].Any(c => char.IsAsciiDigit(c) || c == '_')) segments[i] = "{id}";
        }
        return "/" + string.Join('/', segments);
    }
}

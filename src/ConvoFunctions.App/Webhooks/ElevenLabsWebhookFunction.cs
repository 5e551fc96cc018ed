using ConvoFunctions.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.App.Webhooks;

internal sealed class ElevenLabsWebhookFunction(WebhookIngestor ingestor, IOptions<WebhookOptions> options)
{
    // Anonymous at the platform level: the HMAC signature is the authentication, checked before anything is stored.
    [Function("ElevenLabsWebhook")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ElevenLabsWebhook)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        // Kestrel's own 30 MB default would cut audio webhooks off before our limit and our 413 apply.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = WebhookIngestor.RequestBodyLimit(options.Value.MaxBodyBytes);
        }

        var result = await ingestor.IngestAsync(
            request.Body, request.ContentLength, request.Headers[SignatureHeader.Name], cancellationToken);

        if (result.RetryAfterSeconds is { } seconds) request.HttpContext.Response.Headers.RetryAfter = seconds.ToString();
        return new ContentResult { StatusCode = result.StatusCode, ContentType = result.ContentType, Content = result.ToJson() };
    }
}

using ConvoFunctions.Initiation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ConvoFunctions.App.Initiation;

internal sealed class ElevenLabsInitiationFunction(InitiationResponder responder)
{
    // Anonymous at the platform level: ElevenLabs cannot send a function key, it sends the shared-secret header.
    [Function("ElevenLabsInitiation")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ElevenLabsInitiation)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var result = await responder.HandleAsync(request.Body, request.Headers[InitiationSettings.SecretHeader], cancellationToken);
        return new ContentResult { StatusCode = result.StatusCode, ContentType = result.ContentType, Content = result.Content };
    }
}

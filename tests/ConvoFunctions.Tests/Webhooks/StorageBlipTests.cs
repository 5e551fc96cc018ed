using System.Text.Json;
using ConvoFunctions.App.Webhooks;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.Webhooks;

/// <summary>
/// A short storage blip is ridden out inside the request: a loopback proxy in front of Azurite's blob service
/// answers the first attempts with 503, then forwards.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageBlipTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Two_failed_blob_writes_are_retried_within_the_request_and_answer_200()
    {
        var failuresLeft = 2;
        using var forward = new HttpClient();
        var blobPort = azurite.Process.Ports.Blob;
        await using var proxy = await LoopbackServer.StartAsync(async (context, recorded) =>
        {
            if (Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                context.Response.StatusCode = 503;
                return;
            }
            await ForwardAsync(forward, context, recorded, blobPort);
        });
        var connection = azurite.ConnectionString.Replace(
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/", $"BlobEndpoint=http://127.0.0.1:{proxy.BaseAddress.Port}/", StringComparison.Ordinal);
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1763996555));
        await using var services = TestServices.Create(connection, time);
        var body = Fixtures.Bytes(Fixtures.Transcription);
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = body.Length;
        context.Request.Headers[SignatureHeader.Name] = WebhookSigner.Sign(body, TestServices.Secret, 1763996550);

        var result = (ContentResult)await ActivatorUtilities.CreateInstance<ElevenLabsWebhookFunction>(services)
            .Run(context.Request, CancellationToken.None);

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(3, proxy.Requests.Count(r => r.Method == "PUT"));
        var blob = JsonDocument.Parse(result.Content!).RootElement.GetProperty("blob").GetString();
        Assert.True((await azurite.Storage.Container(StorageNames.WebhookContainer).GetBlobClient(blob).ExistsAsync()).Value);
    }

    private static async Task ForwardAsync(HttpClient client, HttpContext context, RecordedRequest recorded, int port)
    {
        using var request = new HttpRequestMessage(new HttpMethod(recorded.Method), $"http://127.0.0.1:{port}{recorded.PathAndQuery}")
        {
            Content = new StringContent(recorded.Body),
        };
        request.Content.Headers.Clear();
        foreach (var (name, value) in recorded.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)) continue;
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await client.SendAsync(request);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
            context.Response.Headers[header.Key] = header.Value.ToArray();
        }
        await response.Content.CopyToAsync(context.Response.Body);
    }
}

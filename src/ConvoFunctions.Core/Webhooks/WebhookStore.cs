using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Webhooks;

/// <summary>Durable writes of one webhook: the raw body to Blob Storage, then the small event to the queue.</summary>
internal sealed class WebhookStore(StorageAccount storage)
{
    // One Put Blob straight from the body: chunked uploads buffer each chunk, which would add a second copy
    // of an audio webhook in memory. The ingest limit (at most 100 MB) stays far below a single put's limit.
    private static readonly StorageTransferOptions Transfer = new()
    {
        InitialTransferSize = 128 * 1024 * 1024,
        MaximumTransferSize = 128 * 1024 * 1024,
    };

    public async Task ArchiveAsync(string blobName, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var container = storage.Container(StorageNames.WebhookContainer);
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            TransferOptions = Transfer,
        };
        // Same body, same name: overwriting a redelivery is a no-op in content.
        await container.WriteAsync(() => container.GetBlobClient(blobName).UploadAsync(new BinaryData(body), options, cancellationToken), cancellationToken);
    }

    /// <summary>The archived body, or null when it is not (or no longer) in the container.</summary>
    public async Task<BinaryData?> ReadAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            var content = await storage.Container(StorageNames.WebhookContainer).GetBlobClient(blobName)
                .DownloadContentAsync(cancellationToken);
            return content.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task EnqueueAsync(WebhookEventMessage message, CancellationToken cancellationToken)
    {
        var queue = storage.Queue(StorageNames.WebhookEventsQueue);
        await queue.WriteAsync(() => queue.SendMessageAsync(message.ToJson(), cancellationToken), cancellationToken);
    }
}

using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;

namespace ConvoFunctions.Storage;

/// <summary>
/// A write that creates its table, queue or container when it is missing and then writes once more. A fresh local
/// account has nothing in it yet; in Azure the Bicep creates them all, so this never triggers there.
/// </summary>
internal static class CreateOnMissing
{
    public static Task WriteAsync(this TableClient table, Func<Task> write, CancellationToken cancellationToken) =>
        WriteAsync(write, "TableNotFound", () => table.CreateIfNotExistsAsync(cancellationToken));

    public static Task WriteAsync(this QueueClient queue, Func<Task> write, CancellationToken cancellationToken) =>
        WriteAsync(write, "QueueNotFound", () => queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken));

    public static Task WriteAsync(this BlobContainerClient container, Func<Task> write, CancellationToken cancellationToken) =>
        WriteAsync(write, BlobErrorCode.ContainerNotFound.ToString(), () => container.CreateIfNotExistsAsync(cancellationToken: cancellationToken));

    private static async Task WriteAsync(Func<Task> write, string missingCode, Func<Task> create)
    {
        try
        {
            await write();
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == missingCode)
        {
            await create();
            await write();
        }
    }
}

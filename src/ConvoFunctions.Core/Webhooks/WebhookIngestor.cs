using System.Buffers;
using System.Security.Cryptography;
using ConvoFunctions.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Webhooks;

/// <summary>
/// Verifies, archives and queues one ElevenLabs webhook. A 200 is answered only after the body is in Blob
/// Storage and (for known types) its event is on the queue; storage trouble answers 503 so the sender retries.
/// </summary>
internal sealed partial class WebhookIngestor(
    WebhookSignatureVerifier verifier,
    WebhookStore store,
    IWebhookHeartbeat heartbeat,
    UnknownWebhookTypes unknownTypes,
    ConvoMetrics metrics,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookIngestor> logger)
{
    private const int ChunkSize = 81920;

    // A refused body is still read (and dropped) up to this much beyond the limit: a server that answers 413 and
    // closes mid-upload leaves the sender with a broken pipe instead of the 413 (found by the reliability harness).
    private const long DrainAllowance = 16L * 1024 * 1024;

    /// <summary>The request-body limit the HTTP server must allow so that a 413 can be delivered cleanly.</summary>
    public static long RequestBodyLimit(long maxBodyBytes) => maxBodyBytes + DrainAllowance;

    public async Task<IngestResult> IngestAsync(Stream body, long? declaredLength, string? signature, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(body, declaredLength, signature, cancellationToken);
        metrics.WebhookReceived(result.Event?.Type, result.Status);
        return result;
    }

    private async Task<IngestResult> ReceiveAsync(Stream body, long? declaredLength, string? signature, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxBodyBytes;
        if (declaredLength > maxBytes) return await TooLargeAsync(body, maxBytes, cancellationToken);

        // Header shape and clock are checked before a byte of the body is read.
        var failure = verifier.CheckHeader(signature, out var header);
        if (failure is not null) return Rejected(failure.Value);

        byte[] bytes;
        await using (var spool = CreateSpoolFile())
        {
            // Spooling to disk while hashing keeps a forged or oversized body out of memory entirely.
            var length = await SpoolAsync(body, spool, verifier.Begin(header!), maxBytes, cancellationToken);
            if (length == -1) return await TooLargeAsync(body, maxBytes, cancellationToken);
            if (length < 0) return Rejected(SignatureFailure.SignatureMismatch);

            bytes = new byte[length];
            spool.Position = 0;
            await spool.ReadExactlyAsync(bytes, cancellationToken);
        }

        var envelope = WebhookEnvelope.TryParse(bytes, out var error);
        if (envelope is null) return new IngestResult(IngestStatus.BadRequest, error!);

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var receivedAt = time.GetUtcNow();
        var message = new WebhookEventMessage(
            envelope.Type, envelope.ConversationId, envelope.AgentId, envelope.EventTimestamp,
            envelope.BlobName(sha256, receivedAt), sha256, receivedAt);
        var known = WebhookEventTypes.IsKnown(envelope.Type);
        var queued = known || envelope.ConversationShaped;

        try
        {
            await store.ArchiveAsync(message.Blob, bytes, cancellationToken);
            if (queued) await store.EnqueueAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStorageUnavailable(ex, message.Type, message.ConversationId, ex.GetType().Name);
            return new IngestResult(IngestStatus.StorageUnavailable,
                "The webhook could not be stored durably; retry later.", message);
        }

        // The health check's "last webhook received": as the webhook arrives, not once it is enriched (an API outage
        // or a revoked key is not silence). Off the request's critical path, and a lost beat is harmless.
        _ = RecordHeartbeatAsync(receivedAt);
        metrics.WebhookDeliveryLag(message.Type, ElevenLabs.UnixTime.Read(message.EventTimestamp), receivedAt);
        if (!known) _ = NoticeUnknownTypeAsync(message, queued);

        if (!queued)
        {
            // ElevenLabs counts only a 200 as delivered, and repeated failures auto-disable the webhook.
            LogUnknownType(message.Type, message.ConversationId, message.Blob);
            return new IngestResult(IngestStatus.ArchivedNotQueued, "Unknown webhook type: archived, not queued.", message);
        }

        LogQueued(message.Type, message.ConversationId, message.AgentId, bytes.Length);
        return new IngestResult(IngestStatus.Queued, "Archived and queued.", message);
    }

    private async Task RecordHeartbeatAsync(DateTimeOffset receivedAt)
    {
        try
        {
            await heartbeat.RecordAsync(receivedAt, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogHeartbeatFailed(ex.GetType().Name);
        }
    }

    private async Task NoticeUnknownTypeAsync(WebhookEventMessage message, bool enriched)
    {
        try
        {
            await unknownTypes.NoticeAsync(message.Type, message.ConversationId, enriched, message.ReceivedAt, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogUnknownTypeNotRecorded(message.Type, ex.GetType().Name);
        }
    }

    /// <summary>Copies the body to the spool through the HMACs. Returns its length, -1 when too large, -2 when the signature fails.</summary>
    private static async Task<long> SpoolAsync(Stream body, Stream spool, SignatureHasher hasher, long maxBytes, CancellationToken cancellationToken)
    {
        using (hasher)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken)) > 0)
                {
                    total += read;
                    if (total > maxBytes) return -1;
                    hasher.Append(buffer.AsSpan(0, read));
                    await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                return hasher.Matches() ? total : -2;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static FileStream CreateSpoolFile() => new(
        Path.Combine(Path.GetTempPath(), $"convo-webhook-{Guid.NewGuid():N}.json"),
        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, ChunkSize,
        FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    private IngestResult Rejected(SignatureFailure failure)
    {
        var result = IngestResult.Rejected(failure);
        LogRejected(result.Check!);
        return result;
    }

    private static async Task<IngestResult> TooLargeAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long drained = 0;
            int read;
            while (drained <= maxBytes + DrainAllowance && (read = await body.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken)) > 0)
            {
                drained += read;
            }
        }
        catch (IOException)
        {
            // Past what the server lets us read: it will close the connection, which is all we can do then.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new IngestResult(IngestStatus.TooLarge, $"The body exceeds the limit of {maxBytes} bytes.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {webhook_type} queued for conversation {conversation_id} (agent {agent_id}, {body_bytes} bytes)")]
    private partial void LogQueued(string webhook_type, string? conversation_id, string? agent_id, int body_bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook of unknown type {webhook_type} for conversation {conversation_id} archived as {blob}, not queued")]
    private partial void LogUnknownType(string webhook_type, string? conversation_id, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording unknown webhook type {webhook_type} for the health check failed ({error_type}); the next one of its type records it")]
    private partial void LogUnknownTypeNotRecorded(string webhook_type, string error_type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the webhook heartbeat failed ({error_type}); the next webhook records it")]
    private partial void LogHeartbeatFailed(string error_type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook rejected: signature check {check} failed")]
    private partial void LogRejected(string check);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage unavailable for webhook {webhook_type} of conversation {conversation_id} ({error_type}); answered 503")]
    private partial void LogStorageUnavailable(Exception exception, string webhook_type, string? conversation_id, string error_type);
}

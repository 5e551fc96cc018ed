using System.Text;
using System.Text.Json;
using ConvoFunctions.Correlation;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Metrics;
using ConvoFunctions.Privacy;
using ConvoFunctions.Storage;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Enrichment;

internal enum EnrichmentOutcome
{
    /// <summary>Facts from the API written.</summary>
    Enriched,

    /// <summary>Facts from the webhook body written (no API key configured).</summary>
    FromWebhook,

    /// <summary>The API answered 404; a not-found row written.</summary>
    NotFound,

    /// <summary>A call initiation failure written.</summary>
    InitiationFailure,

    /// <summary>Nothing to record (e.g. an audio webhook without an API key, or no conversation id).</summary>
    Skipped,

    /// <summary>The delivery failed for the last time; the message is in the poison queue with the reason.</summary>
    Poisoned,
}

/// <summary>
/// Turns one <c>webhook-events</c> message into correlation rows: the conversation fetched from the ElevenLabs API
/// (the authority), or read from the archived webhook when no API key is configured. Transient failures throw
/// so the queue redelivers; on the last delivery the message goes to the poison queue with the reason.
/// </summary>
internal sealed partial class EnrichmentProcessor(
    ElevenLabsClient client,
    ElevenLabsConcurrencyGate gate,
    IOptions<ElevenLabsOptions> options,
    WebhookStore store,
    CorrelationRepository repository,
    CallChecks checks,
    PoisonQueue poison,
    TimeProvider time,
    InitiationSourceNotice sources,
    ConvoMetrics metrics,
    ILogger<EnrichmentProcessor> logger)
{
    /// <summary>One delivery of a queue message, as the queue trigger hands it over; timed by its outcome (a throw: retry).</summary>
    public async Task<EnrichmentOutcome> HandleDeliveryAsync(string messageText, long dequeueCount, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            var outcome = await DeliverAsync(messageText, dequeueCount, cancellationToken);
            metrics.EnrichmentDelivered(outcome, time.GetElapsedTime(started));
            return outcome;
        }
        catch
        {
            metrics.EnrichmentDelivered(null, time.GetElapsedTime(started));
            throw;
        }
    }

    private async Task<EnrichmentOutcome> DeliverAsync(string messageText, long dequeueCount, CancellationToken cancellationToken)
    {
        var text = DecodeIfBase64(messageText);
        WebhookEventMessage message;
        try
        {
            message = WebhookEventMessage.Parse(text);
        }
        catch (JsonException ex)
        {
            // Retrying cannot fix a malformed message: straight to the poison queue.
            LogMalformed(ex.GetType().Name);
            metrics.EnrichmentFailed(ex, final: true);
            await poison.SendAsync(text, ex, dequeueCount, cancellationToken);
            return EnrichmentOutcome.Poisoned;
        }

        metrics.EnrichmentQueueLag(message.ReceivedAt, time.GetUtcNow());
        try
        {
            return await ProcessAsync(message, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // What can never succeed goes to the poison queue now instead of burning every delivery.
            var last = dequeueCount >= QueueSettings.MaxDequeueCount || IsPermanent(ex);
            metrics.EnrichmentFailed(ex, last);
            if (ex is ElevenLabsApiException { IsAuthFailure: true } auth)
            {
                LogAuthFailure((int)(auth.StatusCode ?? 0), message.ConversationId, Configuration.SettingNames.ElevenLabsApiKey, dequeueCount, QueueSettings.MaxDequeueCount);
            }
            else
            {
                LogAttemptFailed(ex, message.Type, message.ConversationId, dequeueCount, QueueSettings.MaxDequeueCount, PoisonQueue.Reason(ex));
            }
            if (!last) throw;

            await poison.SendAsync(text, ex, dequeueCount, cancellationToken);
            LogPoisoned(message.Type, message.ConversationId, dequeueCount, PoisonQueue.Reason(ex));
            return EnrichmentOutcome.Poisoned;
        }
    }

    /// <summary>
    /// Failures no redelivery can fix: a body or answer that is not the JSON we read, a value out of range, an archived
    /// body that is gone, or an API answer that says the request itself is wrong (4xx other than auth, 408 and 429;
    /// a rejected key is fixed by configuration while the message still has deliveries left).
    /// </summary>
    internal static bool IsPermanent(Exception exception) => exception switch
    {
        JsonException or FormatException or ArgumentException or DecoderFallbackException or MissingArchiveException => true,
        ElevenLabsApiException api => !api.IsTransient && !api.IsAuthFailure,
        _ => false,
    };

    public async Task<EnrichmentOutcome> ProcessAsync(WebhookEventMessage message, CancellationToken cancellationToken)
    {
        var eventTime = UnixTime.Read(message.EventTimestamp);
        if (message.Type == WebhookEventTypes.CallInitiationFailure) return await ProcessInitiationFailureAsync(message, eventTime, cancellationToken);

        if (string.IsNullOrWhiteSpace(message.ConversationId))
        {
            LogSkipped(message.Type, message.ConversationId, "the message has no conversation id");
            return EnrichmentOutcome.Skipped;
        }
        var conversationId = message.ConversationId;

        ConversationFacts facts;
        EnrichmentOutcome outcome;
        if (options.Value.HasApiKey)
        {
            var conversation = await FetchAsync(conversationId, cancellationToken);
            if (conversation is null)
            {
                await repository.UpsertAsync(ConversationFacts.NotFound(conversationId, message.AgentId, eventTime), cancellationToken);
                LogNotFound(conversationId);
                return EnrichmentOutcome.NotFound;
            }
            facts = ConversationFacts.FromConversation(conversation, conversationId, FactSources.Api, eventTime, time.GetUtcNow());
            outcome = EnrichmentOutcome.Enriched;
        }
        else
        {
            // Fallback: post_call_transcription's data has the API's conversation shape (and so has an unknown type's, or
            // it would not have been queued); the others carry no facts.
            if (!WebhookEventTypes.CarriesConversation(message.Type))
            {
                LogSkipped(message.Type, conversationId, "no API key, and this webhook type carries no conversation facts");
                return EnrichmentOutcome.Skipped;
            }
            var body = await store.ReadAsync(message.Blob, cancellationToken) ?? throw new MissingArchiveException(message.Blob);
            facts = ConversationFacts.FromConversation(ReadData(body), conversationId, FactSources.Webhook, eventTime);
            outcome = EnrichmentOutcome.FromWebhook;
        }

        if (await repository.UpsertAsync(facts, cancellationToken)) await checks.ScheduleIfSharedAsync(facts, cancellationToken);
        sources.Notice(facts.InitiationSource, facts.ConversationId);
        LogEnriched(facts.ConversationId, facts.CallSid ?? facts.SipCallId, facts.CallKey, facts.Status, facts.IsBlank, facts.Source,
            PhoneMask.Mask(facts.CounterpartNumber));
        return outcome;
    }

    private async Task<EnrichmentOutcome> ProcessInitiationFailureAsync(WebhookEventMessage message, DateTimeOffset? eventTime, CancellationToken cancellationToken)
    {
        var body = await store.ReadAsync(message.Blob, cancellationToken);
        if (body is null) LogBlobMissing(message.Blob, message.ConversationId);
        var failure = body is null ? InitiationFailure.Empty : InitiationFailure.Parse(body);
        var conversationId = message.ConversationId ?? failure.ConversationId;
        if (string.IsNullOrWhiteSpace(conversationId))
        {
            LogSkipped(message.Type, null, "the initiation failure has no conversation id");
            return EnrichmentOutcome.Skipped;
        }

        // The API may hold the attempt as a failed conversation; a 404 just means there is none.
        var conversation = options.Value.HasApiKey ? await FetchAsync(conversationId, cancellationToken) : null;
        var facts = ConversationFacts.FromInitiationFailure(conversationId, message.AgentId, eventTime, failure, conversation, time.GetUtcNow());
        await repository.UpsertAsync(facts, cancellationToken);
        LogInitiationFailure(conversationId, facts.CallSid ?? facts.SipCallId, facts.FailureReason, PhoneMask.Mask(facts.CounterpartNumber));
        return EnrichmentOutcome.InitiationFailure;
    }

    private Task<ConversationDto?> FetchAsync(string conversationId, CancellationToken cancellationToken) =>
        gate.RunAsync(ct => client.GetConversationAsync(conversationId, ct), cancellationToken);

    private static ConversationDto ReadData(BinaryData body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            ? data.Deserialize<ConversationDto>(ElevenLabsJson.Options) ?? new ConversationDto()
            : new ConversationDto();
    }

    /// <summary>The trigger decodes base64 (host.json); a raw base64 text is decoded here too, to be safe.</summary>
    private static string DecodeIfBase64(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith('{') || trimmed.Length == 0) return text;
        var buffer = new byte[trimmed.Length];
        return Convert.TryFromBase64String(trimmed, buffer, out var written)
               && Encoding.UTF8.GetString(buffer, 0, written) is var decoded
               && decoded.TrimStart().StartsWith('{')
            ? decoded
            : text;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {conversation_id} enriched from {source}: status {status}, blank {is_blank}, call {call_key} (call_sid {call_sid}, counterpart {counterpart})")]
    private partial void LogEnriched(string conversation_id, string? call_sid, string? call_key, string? status, bool is_blank, string source, string counterpart);

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {conversation_id} not found at the ElevenLabs API (404); recorded as not found")]
    private partial void LogNotFound(string conversation_id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call initiation failure for conversation {conversation_id} recorded: {failure_reason} (call_sid {call_sid}, counterpart {counterpart})")]
    private partial void LogInitiationFailure(string conversation_id, string? call_sid, string? failure_reason, string counterpart);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {webhook_type} for conversation {conversation_id} skipped: {why}")]
    private partial void LogSkipped(string webhook_type, string? conversation_id, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archived webhook {blob} for conversation {conversation_id} is missing; recording what the message says")]
    private partial void LogBlobMissing(string blob, string? conversation_id);

    [LoggerMessage(Level = LogLevel.Error, Message = "Malformed webhook-events message ({error_type}); moved to the poison queue")]
    private partial void LogMalformed(string error_type);

    [LoggerMessage(Level = LogLevel.Critical, Message = "ElevenLabs API REJECTED THE API KEY ({status_code}) fetching conversation {conversation_id}: check {setting} and its permissions. Attempt {attempt} of {max_attempts}; the message goes to the poison queue after the last, replay it with 'convo replay' once fixed")]
    private partial void LogAuthFailure(int status_code, string? conversation_id, string setting, long attempt, int max_attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Enriching {webhook_type} for conversation {conversation_id} failed on attempt {attempt} of {max_attempts}: {reason}")]
    private partial void LogAttemptFailed(Exception exception, string webhook_type, string? conversation_id, long attempt, int max_attempts, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {webhook_type} for conversation {conversation_id} moved to the poison queue after {attempts} attempts: {reason}")]
    private partial void LogPoisoned(string webhook_type, string? conversation_id, long attempts, string reason);
}

/// <summary>The archived body a message points to is not in the container: no redelivery brings it back.</summary>
internal sealed class MissingArchiveException(string blob) : Exception($"The archived webhook {blob} is missing.");

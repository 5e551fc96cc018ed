using System.Buffers;
using ConvoFunctions.Metrics;
using ConvoFunctions.Privacy;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Initiation;

/// <summary>What the initiation route answers: 200 with the initiation data, or a problem+json.</summary>
internal sealed record InitiationResult(int StatusCode, string Content)
{
    public string ContentType => StatusCode == 200 ? "application/json" : ProblemJson.ContentType;

    public static InitiationResult Problem(int status, string title, string detail) => new(status, ProblemJson.Create(title, status, detail));
}

/// <summary>
/// Answers ElevenLabs' conversation-initiation webhook and records the request as the call's anchor. The call
/// waits for this answer, so nothing here may fail it: the table write and the upstream run side by side within
/// one budget (<c>Initiation:UpstreamTimeout</c>), and a failed write is logged and counted, never answered.
/// </summary>
internal sealed partial class InitiationResponder(
    InitiationSettings settings,
    InitiationStore store,
    InitiationUpstream upstream,
    ConvoMetrics metrics,
    TimeProvider time,
    ILogger<InitiationResponder> logger)
{
    /// <summary>ElevenLabs sends four short fields; anything near this size is not its request.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public async Task<InitiationResult> HandleAsync(Stream body, string? secret, CancellationToken cancellationToken)
    {
        if (!settings.Enabled) return Rejected("off", InitiationResult.Problem(404, "Not found", "The initiation route is not configured."));
        if (!settings.SecretMatches(secret))
        {
            LogRejected(string.IsNullOrEmpty(secret) ? "missing" : "wrong");
            metrics.InitiationRejected(string.IsNullOrEmpty(secret) ? "secret_missing" : "secret_wrong");
            return InitiationResult.Problem(401, "Initiation secret rejected", $"The {InitiationSettings.SecretHeader} header is missing or wrong.");
        }

        var bytes = await ReadAsync(body, cancellationToken);
        if (bytes is null) return Rejected("too_large", InitiationResult.Problem(413, "Initiation body too large", $"The body exceeds {MaxBodyBytes} bytes."));
        var request = InitiationRequest.TryParse(bytes, out var error);
        if (request is null) return Rejected("malformed", InitiationResult.Problem(400, "Malformed initiation body", error!));

        var record = new InitiationRecord(
            request.CallKey!, Guid.NewGuid().ToString("N"), time.GetUtcNow(),
            request.AgentId, request.CallerId, request.CalledNumber, request.CallSid, request.CallId);

        // The write is not tied to the request: a request ElevenLabs gave up on is still evidence worth keeping.
        using var budget = new CancellationTokenSource(settings.Timeout, time);
        using var answering = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, cancellationToken);
        var recording = RecordAsync(record, budget.Token);
        var answer = settings.Upstream is null ? null : await upstream.AskAsync(bytes, answering.Token);
        await recording;

        var source = answer is null ? "default" : "upstream";
        metrics.InitiationAnswered(source);
        LogAnswered(record.CallKey, record.AgentId, PhoneMask.Mask(record.CallerId), PhoneMask.Mask(record.CalledNumber), source);
        return new InitiationResult(200, answer ?? settings.DefaultAnswer);
    }

    private InitiationResult Rejected(string reason, InitiationResult problem)
    {
        metrics.InitiationRejected(reason);
        return problem;
    }

    private async Task RecordAsync(InitiationRecord record, CancellationToken budget)
    {
        try
        {
            await store.AddAsync(record, budget);
        }
        catch (Exception ex)
        {
            // Answering matters more than recording: the call is live. The anchor is lost, and said so loudly.
            metrics.InitiationRecordFailed();
            LogNotRecorded(record.CallKey, record.AgentId, PhoneMask.Mask(record.CallerId), ex.GetType().Name);
        }
    }

    private static async Task<byte[]?> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes) return null;
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Initiation request for call {call_key} (agent {agent_id}, caller {caller}, called {called_number}) answered from {answer_source}")]
    private partial void LogAnswered(string call_key, string? agent_id, string caller, string called_number, string answer_source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Initiation request for call {call_key} (agent {agent_id}, caller {caller}) answered but NOT recorded ({error_type}): storage is unavailable or slower than the budget")]
    private partial void LogNotRecorded(string call_key, string? agent_id, string caller, string error_type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Initiation request rejected: secret {problem}")]
    private partial void LogRejected(string problem);
}

using System.Text.Json.Nodes;

namespace ConvoFunctions.Webhooks;

internal enum IngestStatus
{
    Queued,
    ArchivedNotQueued,
    Unauthorized,
    BadRequest,
    TooLarge,
    StorageUnavailable,
}

/// <summary>What the ingest endpoint answers. Problems are RFC 9457 problem+json and never carry secrets.</summary>
internal sealed record IngestResult(IngestStatus Status, string Detail, WebhookEventMessage? Event = null, string? Check = null)
{
    public int StatusCode => Status switch
    {
        IngestStatus.Queued or IngestStatus.ArchivedNotQueued => 200,
        IngestStatus.Unauthorized => 401,
        IngestStatus.BadRequest => 400,
        IngestStatus.TooLarge => 413,
        _ => 503,
    };

    public bool IsSuccess => StatusCode == 200;

    public string ContentType => IsSuccess ? "application/json" : ProblemJson.ContentType;

    public string Title => Status switch
    {
        IngestStatus.Queued => "Queued",
        IngestStatus.ArchivedNotQueued => "Archived, not queued",
        IngestStatus.Unauthorized => "Webhook signature rejected",
        IngestStatus.BadRequest => "Malformed webhook body",
        IngestStatus.TooLarge => "Webhook body too large",
        _ => "Storage unavailable",
    };

    /// <summary>Seconds ElevenLabs (or any sender) should wait before retrying a 503.</summary>
    public int? RetryAfterSeconds => Status == IngestStatus.StorageUnavailable ? 5 : null;

    public string ToJson()
    {
        if (!IsSuccess) return ProblemJson.Create(Title, StatusCode, Detail, Check);
        return new JsonObject
        {
            ["status"] = Status == IngestStatus.Queued ? "queued" : "archived",
            ["type"] = Event?.Type,
            ["conversation_id"] = Event?.ConversationId,
            ["blob"] = Event?.Blob,
            ["detail"] = Detail,
        }.ToJsonString();
    }

    public static IngestResult Rejected(SignatureFailure failure) => failure switch
    {
        SignatureFailure.HeaderMissing => new(IngestStatus.Unauthorized, $"The {SignatureHeader.Name} header is missing.", Check: "header_missing"),
        SignatureFailure.HeaderMalformed => new(IngestStatus.Unauthorized, $"The {SignatureHeader.Name} header is not of the form t=<unix seconds>,v0=<hex>.", Check: "header_malformed"),
        SignatureFailure.TimestampOutOfTolerance => new(IngestStatus.Unauthorized, "The signature timestamp is outside the allowed tolerance.", Check: "timestamp"),
        _ => new(IngestStatus.Unauthorized, "The signature does not match the body for any configured secret.", Check: "signature"),
    };
}

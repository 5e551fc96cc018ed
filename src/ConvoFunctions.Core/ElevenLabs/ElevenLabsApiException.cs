using System.Net;

namespace ConvoFunctions.ElevenLabs;

/// <summary>
/// A non-success answer from the ElevenLabs API that the resilience pipeline did not (or could no longer) retry.
/// The message names the status, ElevenLabs' error code and the path; never a header, so never the API key.
/// An <see cref="HttpRequestException"/>, so callers that tolerate a failed HTTP call tolerate this one too.
/// </summary>
internal sealed class ElevenLabsApiException(HttpStatusCode statusCode, string? errorCode, string path)
    : HttpRequestException(
        $"ElevenLabs API answered {(int)statusCode} {statusCode}{(errorCode is null ? "" : $" ({errorCode})")} for GET {path}"
        + (statusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? $"; check {Configuration.SettingNames.ElevenLabsApiKey} and the key's permissions (convai read)"
            : ""),
        inner: null,
        statusCode)
{
    /// <summary>ElevenLabs' <c>detail.status</c>, e.g. <c>too_many_concurrent_requests</c> or <c>system_busy</c>.</summary>
    public string? ErrorCode { get; } = errorCode;

    public bool IsAuthFailure => StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;

    public bool IsTransient => StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int?)StatusCode >= 500;
}

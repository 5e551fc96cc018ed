namespace ConvoFunctions.Webhooks;

internal static class WebhookEventTypes
{
    public const string PostCallTranscription = "post_call_transcription";

    // Sent instead of post_call_transcription when the webhook's transcript format is OpenTelemetry.
    public const string PostCallTranscriptionOtel = "post_call_transcription_otel";
    public const string PostCallAudio = "post_call_audio";
    public const string CallInitiationFailure = "call_initiation_failure";

    private static readonly HashSet<string> Known =
        [PostCallTranscription, PostCallTranscriptionOtel, PostCallAudio, CallInitiationFailure];

    public static bool IsKnown(string type) => Known.Contains(type);

    /// <summary>
    /// Whether the body's <c>data</c> is a conversation in the API's shape, which enrichment can read without an API
    /// key: a transcription, or a type we do not know by name that has that shape (queued only when it does).
    /// </summary>
    public static bool CarriesConversation(string type) => type == PostCallTranscription || !IsKnown(type);
}

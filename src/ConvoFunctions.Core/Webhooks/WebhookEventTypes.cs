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
}

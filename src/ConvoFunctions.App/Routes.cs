namespace ConvoFunctions.App;

/// <summary>HTTP routes, relative to the host's <c>/api</c> prefix. <c>convo serve</c> maps the same ones.</summary>
internal static class Routes
{
    public const string Prefix = "api";
    public const string ElevenLabsWebhook = "webhooks/elevenlabs";
    public const string ElevenLabsInitiation = "webhooks/elevenlabs/initiation";
}

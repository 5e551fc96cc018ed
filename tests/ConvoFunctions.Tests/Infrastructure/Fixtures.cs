using ConvoFunctions.Conversations;
namespace ConvoFunctions.Tests.Infrastructure;

/// <summary>
/// ElevenLabs sample bodies and signature vectors, kept in the repository (<c>Fixtures/elevenlabs</c>, copied next to
/// the test assembly) so that a clone stands alone. <see cref="SignedBody"/> is the exact byte sequence the published
/// signature vectors were computed over; the other bodies follow the current API schema.
/// </summary>
internal static class Fixtures
{
    private static readonly string Folder = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "elevenlabs");

    public static string Path(string name) => System.IO.Path.Combine(Folder, name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    public static string Text(string name) => File.ReadAllText(Path(name));

    public const string Transcription = "webhook-post-call-transcription.json";
    public const string Audio = "webhook-post-call-audio.json";
    public const string InitiationFailure = "webhook-call-initiation-failure.json";
    public const string ConversationReal = "conversation-real.json";
    public const string ConversationBlank = "conversation-blank.json";
    public const string ConversationsList = "conversations-list.json";
    public const string Signatures = "signatures.json";
    public const string SignedBody = "signed-body.json";
}

namespace ConvoFunctions.Tests.Infrastructure;

/// <summary>The shared ElevenLabs sample bodies and signature vectors (<c>../shared/fixtures/elevenlabs</c>).</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "fixtures", "elevenlabs");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("shared/fixtures/elevenlabs was not found above the test folder.");
    });

    public static string Path(string name) => System.IO.Path.Combine(Folder.Value, name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    public static string Text(string name) => File.ReadAllText(Path(name));

    public const string Transcription = "webhook-post-call-transcription.json";
    public const string Audio = "webhook-post-call-audio.json";
    public const string InitiationFailure = "webhook-call-initiation-failure.json";
    public const string ConversationReal = "conversation-real.json";
    public const string ConversationBlank = "conversation-blank.json";
    public const string ConversationsList = "conversations-list.json";
    public const string Signatures = "signatures.json";
}

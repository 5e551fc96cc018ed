namespace ConvoFunctions.Detection;

/// <summary>Real or blank, from the fields alone.</summary>
internal static class ConversationClassifier
{
    private static readonly HashSet<string> NeverStartedStatuses = new(StringComparer.OrdinalIgnoreCase) { "initiated", "failed" };

    /// <summary>
    /// Blank: no transcript and no audio, and either it never got past <c>initiated</c>/<c>failed</c> or it lasted
    /// zero seconds. A silent call that still recorded audio, or any call with one transcript message, is real.
    /// </summary>
    public static bool IsBlank(ObservedConversation conversation) =>
        conversation.MessageCount == 0
        && !conversation.HasAudio
        && (NeverStartedStatuses.Contains(conversation.Status) || conversation.DurationSecs <= 0);
}

namespace ConvoFunctions.Detection;

/// <summary>Real or blank, from the fields alone: the one rule enrichment stores and detection groups by.</summary>
internal static class ConversationClassifier
{
    /// <summary>
    /// Blank, the record ElevenLabs support asks about: it never got past <c>initiated</c>/<c>failed</c>, has no
    /// transcript message, no audio and no duration. Any one sign of a conversation having happened makes it real.
    /// </summary>
    public static bool IsBlank(string? status, int messageCount, bool? hasAudio, int durationSeconds) =>
        status is not null
        && (status.Equals("initiated", StringComparison.OrdinalIgnoreCase) || status.Equals("failed", StringComparison.OrdinalIgnoreCase))
        && messageCount == 0
        && hasAudio != true
        && durationSeconds <= 0;

    public static bool IsBlank(ObservedConversation conversation) =>
        IsBlank(conversation.Status, conversation.MessageCount, conversation.HasAudio, conversation.DurationSecs);
}

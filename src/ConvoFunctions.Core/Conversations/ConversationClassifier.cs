namespace ConvoFunctions.Conversations;

/// <summary>Real or blank, from the fields alone: the one rule enrichment stores and detection groups by.</summary>
internal static class ConversationClassifier
{
    /// <summary>
    /// Blank, the record ElevenLabs support asks about: it never got past <c>initiated</c>/<c>failed</c> (or it is an
    /// initiation failure, which has no status when it is known only from its webhook), has no transcript message, no
    /// audio of any kind and no duration. Any one sign of a conversation having happened makes it real.
    /// </summary>
    public static bool IsBlank(string? status, int messageCount, bool anyAudio, int durationSeconds, string? failureReason) =>
        (status is null ? failureReason is not null : IsStuck(status) || (status == Unknown && failureReason is not null))
        && messageCount == 0
        && !anyAudio
        && durationSeconds <= 0;

    /// <summary>
    /// Settled: its status is final, or it was read at least <paramref name="settleDelay"/> after it started. Only a
    /// settled conversation is judged: a few seconds in, a real call is still <c>initiated</c> and looks blank.
    /// </summary>
    public static bool IsSettled(string? status, DateTimeOffset start, DateTimeOffset? readAt, TimeSpan settleDelay) =>
        IsFinal(status) || (readAt is { } at && at - start >= settleDelay);

    /// <summary>Statuses after which a conversation no longer changes.</summary>
    public static bool IsFinal(string? status) =>
        status is not null && (status.Equals("done", StringComparison.OrdinalIgnoreCase) || status.Equals("failed", StringComparison.OrdinalIgnoreCase));

    /// <summary>What a conversation's status holds when the source had no status.</summary>
    public const string Unknown = "unknown";

    private static bool IsStuck(string status) =>
        status.Equals("initiated", StringComparison.OrdinalIgnoreCase) || status.Equals("failed", StringComparison.OrdinalIgnoreCase);
}

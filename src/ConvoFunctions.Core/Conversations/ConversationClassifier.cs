namespace ConvoFunctions.Conversations;

/// <summary>Real or blank, from the API's fields alone: the one rule enrichment stores and detection groups by.</summary>
internal static class ConversationClassifier
{
    /// <summary>The default of <c>Detection:BlankMaxSeconds</c>.</summary>
    public const int DefaultBlankMaxSeconds = 5;

    /// <summary>
    /// Blank: the caller never spoke. No <c>user</c> message in the transcript, no user audio, and a duration of at most
    /// <paramref name="maxSeconds"/>, whatever the status: a session that personalization code opened and closed at once
    /// ends <c>done</c>, and one in which only the agent's greeting was spoken has agent messages and agent audio.
    /// Status, accepted time and error are evidence for people, not part of the rule.
    /// </summary>
    /// <param name="described">The API, a webhook or an initiation failure described the conversation (a 404 did not).</param>
    /// <param name="userMessages">User messages; null when unknown (then any message at all counts as the caller's).</param>
    /// <param name="messages">All transcript messages.</param>
    /// <param name="hasUserAudio">Null when the source did not say (an older webhook body): judged from transcript and duration.</param>
    /// <param name="durationSeconds"><c>call_duration_secs</c>; null counts as none.</param>
    /// <param name="maxSeconds"><c>Detection:BlankMaxSeconds</c>.</param>
    public static bool IsBlank(bool described, int? userMessages, int messages, bool? hasUserAudio, int? durationSeconds, int maxSeconds) =>
        described
        && (userMessages ?? messages) == 0
        && hasUserAudio != true
        && (durationSeconds ?? 0) <= maxSeconds;

    /// <summary>
    /// Settled: its status is final, or it was read at least <paramref name="settleDelay"/> after it started. Only a
    /// settled conversation is judged: a few seconds in, a real call is still <c>initiated</c> and looks blank.
    /// </summary>
    public static bool IsSettled(string? status, DateTimeOffset start, DateTimeOffset? readAt, TimeSpan settleDelay) =>
        IsFinal(status) || (readAt is { } at && at - start >= settleDelay);

    /// <summary>Statuses after which a conversation no longer changes (<c>in-progress</c> and <c>processing</c> still do).</summary>
    public static bool IsFinal(string? status) =>
        status is not null && (status.Equals("done", StringComparison.OrdinalIgnoreCase) || status.Equals("failed", StringComparison.OrdinalIgnoreCase));

    /// <summary>What a conversation's status holds when the source had no status.</summary>
    public const string Unknown = "unknown";

    /// <summary>User messages of a transcript (<c>transcript[].role == "user"</c>).</summary>
    public static int UserMessages(IEnumerable<System.Text.Json.JsonElement> transcript) =>
        transcript.Count(m => m.ValueKind == System.Text.Json.JsonValueKind.Object
                              && m.TryGetProperty("role", out var role) && role.ValueKind == System.Text.Json.JsonValueKind.String
                              && string.Equals(role.GetString(), "user", StringComparison.OrdinalIgnoreCase));
}

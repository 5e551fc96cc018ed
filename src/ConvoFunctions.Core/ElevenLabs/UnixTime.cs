namespace ConvoFunctions.ElevenLabs;

/// <summary>
/// ElevenLabs' <c>*_unix_secs</c> and <c>event_timestamp</c> fields. Senders and proxies have been seen to put
/// milliseconds there; a value no second count of this era can reach is read as milliseconds rather than refused.
/// </summary>
internal static class UnixTime
{
    // Anything above this as seconds is past the year 5138: only milliseconds are that large.
    private const double MillisecondsAbove = 100_000_000_000;
    private static readonly double MaxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>
    /// The moment a positive number of seconds (or milliseconds) names; false for zero, negatives, fractions of
    /// nothing, NaN and values beyond the calendar.
    /// </summary>
    public static bool TryRead(double value, out DateTimeOffset time)
    {
        time = default;
        if (double.IsNaN(value) || value <= 0) return false;
        var seconds = value > MillisecondsAbove ? value / 1000 : value;
        if (seconds < 1 || seconds > MaxSeconds) return false;
        time = DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(seconds));
        return true;
    }

    /// <summary>The same for an integral field; null when absent or out of range.</summary>
    public static DateTimeOffset? Read(long? value) => value is { } v && TryRead(v, out var time) ? time : null;

    public static DateTimeOffset? Read(double? value) => value is { } v && TryRead(v, out var time) ? time : null;
}

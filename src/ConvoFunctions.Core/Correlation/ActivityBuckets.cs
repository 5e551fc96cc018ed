using System.Globalization;

namespace ConvoFunctions.Correlation;

/// <summary>
/// Partitions of the <c>activity</c> table: one per UTC hour of a conversation's start (<c>yyyyMMddHH</c>).
/// "Conversations started in the last N minutes" reads <see cref="Covering"/>'s partitions — one or two for any
/// window under an hour — so its cost follows the window's traffic, not the table's history.
/// </summary>
internal static class ActivityBuckets
{
    public const string Format = "yyyyMMddHH";

    public static TimeSpan Width { get; } = TimeSpan.FromHours(1);

    /// <summary>The bucket a moment falls in.</summary>
    public static string For(DateTimeOffset time) => time.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Every bucket that overlaps <c>[from, to]</c>, oldest first.</summary>
    public static IReadOnlyList<string> Covering(DateTimeOffset from, DateTimeOffset to)
    {
        if (to < from) (from, to) = (to, from);
        var start = Truncate(from);
        var buckets = new List<string>();
        for (var hour = start; hour <= to; hour += Width) buckets.Add(For(hour));
        return buckets;
    }

    /// <summary>The start of the bucket a moment falls in.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }
}

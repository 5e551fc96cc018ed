namespace ConvoFunctions.Privacy;

/// <summary>
/// Phone numbers in logs and alerts: the country prefix and last four digits stay, the rest is starred
/// (<c>+447700900123</c> becomes <c>+44******0123</c>), enough to tell calls apart without logging who called.
/// </summary>
internal static class PhoneMask
{
    public static string Mask(string? number)
    {
        if (string.IsNullOrWhiteSpace(number)) return "";
        var value = number.Trim();
        if (value.Length <= 4) return new string('*', value.Length);
        var head = value.StartsWith('+') ? 3 : 2;
        if (value.Length - 4 <= head) head = Math.Max(0, value.Length - 4 - 2);
        return string.Concat(value.AsSpan(0, head), new string('*', value.Length - head - 4), value.AsSpan(value.Length - 4));
    }
}

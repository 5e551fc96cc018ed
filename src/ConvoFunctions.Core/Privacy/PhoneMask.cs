using System.Text.RegularExpressions;

namespace ConvoFunctions.Privacy;

/// <summary>
/// Phone numbers in logs and alerts: the last four digits stay, and for a long international number the "+" and
/// two leading digits (<c>+447700900123</c> becomes <c>+44******0123</c>) — enough to tell calls apart without
/// showing who called. Only digits are counted, so formatting (spaces, dashes) never leaks extra digits.
/// </summary>
internal static partial class PhoneMask
{
    /// <param name="number">The number as received.</param>
    /// <param name="missing">What to show when there is no number (alerts say "unknown"; logs leave it empty).</param>
    public static string Mask(string? number, string missing = "")
    {
        if (string.IsNullOrWhiteSpace(number)) return missing;
        var digits = number.Where(char.IsDigit).ToArray();
        if (digits.Length == 0) return missing;
        var plus = number.TrimStart().StartsWith('+') ? "+" : "";
        if (digits.Length <= 4) return plus + new string('*', digits.Length);
        var keepHead = plus.Length == 1 && digits.Length >= 10 ? 2 : 0;
        return plus + new string(digits, 0, keepHead) + new string('*', digits.Length - keepHead - 4) + new string(digits, digits.Length - 4, 4);
    }

    /// <summary>
    /// Free text from the platform (an error reason) with every phone-number-like run (seven or more digits, spaces,
    /// dashes, dots or brackets between them) masked: such text may quote the caller.
    /// </summary>
    public static string MaskText(string text) => PhoneLike().Replace(text, m => Mask(m.Value));

    [GeneratedRegex(@"\+?\d(?:[\s\-.()]*\d){6,}")]
    private static partial Regex PhoneLike();
}

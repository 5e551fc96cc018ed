namespace ConvoFunctions.Alerts;

/// <summary>Masks a phone number for alerts and logs: the leading + and the last four digits stay (<c>+44*******0123</c>).</summary>
internal static class CallerMask
{
    public static string Mask(string? number)
    {
        if (string.IsNullOrWhiteSpace(number)) return "unknown";
        var digits = number.Where(char.IsDigit).ToArray();
        if (digits.Length == 0) return "unknown";
        var plus = number.TrimStart().StartsWith('+') ? "+" : "";
        if (digits.Length <= 4) return plus + new string('*', digits.Length);
        // Country code stays readable (first two digits) only when the number is long enough to keep most of it hidden.
        var keepHead = plus.Length == 1 && digits.Length >= 10 ? 2 : 0;
        return plus + new string(digits, 0, keepHead) + new string('*', digits.Length - keepHead - 4) + new string(digits, digits.Length - 4, 4);
    }
}

using System.Text;

namespace ConvoFunctions.Storage;

/// <summary>The one rule for turning a value from outside (a telephony id, a conversation id, an alert key) into a table key.</summary>
internal static class TableKeys
{
    /// <summary>
    /// Replaces what Table Storage forbids in PartitionKey/RowKey (<c>/ \ # ?</c> and control characters) with '_',
    /// keeping at most <paramref name="maxLength"/> characters.
    /// </summary>
    public static string Sanitize(string value, int maxLength = int.MaxValue)
    {
        var kept = value.AsSpan(0, Math.Min(value.Length, maxLength));
        var builder = new StringBuilder(kept.Length);
        foreach (var c in kept) builder.Append(c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c);
        return builder.ToString();
    }
}

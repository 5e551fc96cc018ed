using System.ComponentModel.DataAnnotations;

namespace ConvoFunctions.Retention;

/// <summary>Settings under <c>Retention:</c>.</summary>
internal sealed class RetentionOptions
{
    public const int DefaultDays = 30;

    /// <summary>
    /// Days raw webhook bodies (transcripts, call audio) and rows with callers' numbers are kept. The Bicep gives the
    /// same number to the blob lifecycle policy of the <c>webhooks</c> container; the app removes the table rows.
    /// </summary>
    [Range(1, 3650)]
    public int Days { get; set; } = DefaultDays;

    public TimeSpan Period => TimeSpan.FromDays(Days);
}

using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Alerts;

/// <summary>
/// Local runs without Teams or email: each alert as the files the team would receive, under
/// <c>&lt;folder&gt;/&lt;alert key&gt;/</c>: the Teams message JSON, the email as HTML and text, and the support report.
/// A follow-up of the same call overwrites them with the grown group. Registered only by <c>convo serve</c>.
/// </summary>
internal sealed partial class AlertFileChannel(string folder, ILogger<AlertFileChannel> logger) : IAlertChannel
{
    public const string ChannelName = "files";
    public const string TeamsMessageFile = "teams-message.json";
    public const string EmailHtmlFile = "email.html";
    public const string EmailTextFile = "email.txt";
    public const string SupportReportFile = "support-report.txt";

    public string Name => ChannelName;

    public bool IsEnabled => true;

    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>
    /// The folder of one alert: its key with every character but ASCII letters, digits, '.', '-' and '_' replaced by '_'
    /// (the ':' of <c>twilio:CA…</c>, and whatever a fuzzy key's agent id holds), so the name works on every file system.
    /// </summary>
    public string FolderOf(string alertKey) =>
        Path.Combine(Folder, new string(alertKey.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray()));

    public async Task SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        var target = FolderOf(alert.Key);
        var email = EmailBody.For(alert);
        try
        {
            Directory.CreateDirectory(target);
            await File.WriteAllTextAsync(Path.Combine(target, TeamsMessageFile), TeamsCard.Serialize(TeamsCard.Message(alert)), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(target, EmailHtmlFile), email.Html, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(target, EmailTextFile), email.Subject + Environment.NewLine + Environment.NewLine + email.PlainText, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(target, SupportReportFile), alert.SupportReport, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AlertChannelException($"The alert files could not be written to {target} ({ex.GetType().Name}).");
        }
        LogWritten(alert.Title, target);
    }

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "{alert_title}: the Teams message, email and support report are in {alert_folder}")]
    private partial void LogWritten(string alert_title, string alert_folder);
}

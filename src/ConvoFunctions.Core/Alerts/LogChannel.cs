using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Alerts;

/// <summary>Always on: the alert as one structured log event (caller masked, like everywhere).</summary>
internal sealed partial class LogChannel(ILogger<LogChannel> logger) : IAlertChannel
{
    public const string ChannelName = "log";

    public string Name => ChannelName;

    public bool IsEnabled => true;

    public Task SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        LogAlert(alert.Kind, alert.Key, alert.Generation, alert.FollowUp, alert.Title,
            string.Join(",", alert.Conversations.Select(c => c.ConversationId)),
            string.Join("; ", alert.Facts.Select(f => $"{f.Name}={f.Value}")),
            alert.SupportReport);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Alert {alert_kind} {alert_key} generation {alert_generation} (follow-up {follow_up}): {alert_title}; conversations {conversation_ids}; {alert_facts}; support report: {support_report}")]
    private partial void LogAlert(string alert_kind, string alert_key, string alert_generation, bool follow_up, string alert_title,
        string conversation_ids, string alert_facts, string support_report);
}

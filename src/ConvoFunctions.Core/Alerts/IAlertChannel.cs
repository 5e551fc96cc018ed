namespace ConvoFunctions.Alerts;

/// <summary>One way an alert goes out. <see cref="SendAsync"/> throws when the alert was not accepted.</summary>
internal interface IAlertChannel
{
    /// <summary>Short, stable name; also the prefix of the channel's columns in the ledger.</summary>
    string Name { get; }

    bool IsEnabled { get; }

    Task SendAsync(Alert alert, CancellationToken cancellationToken);
}

/// <summary>A channel's failure with a message that is safe to store and log (no URL, no key).</summary>
internal sealed class AlertChannelException(string message, Exception? inner = null) : Exception(message, inner);

using ConvoFunctions.Retention;
using Microsoft.Azure.Functions.Worker;

namespace ConvoFunctions.App.Retention;

internal sealed class RetentionFunction(RetentionSweep retention)
{
    /// <summary>Daily, at a quiet hour (UTC); a missed run is caught up by the next one, as rows only get older.</summary>
    [Function("Retention")]
    public Task Run([TimerTrigger("0 17 3 * * *", RunOnStartup = false, UseMonitor = true)] TimerInfo timer, CancellationToken cancellationToken) =>
        retention.RunAsync(cancellationToken);
}

using ConvoFunctions.App.Detection;
using ConvoFunctions.Detection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Cli.Local;

/// <summary>
/// The timer trigger for <c>convo serve</c>: runs <see cref="DuplicateSweepFunction"/> on <c>Detection:Schedule</c>
/// (NCRONTAB with seconds, UTC), never on startup, one run at a time, as the Functions host would.
/// </summary>
internal sealed partial class LocalSweepTimer(IServiceProvider services, IOptions<DetectionOptions> options, TimeProvider time, ILogger<LocalSweepTimer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!DetectionOptions.TryParseSchedule(options.Value.Schedule, out var schedule) || schedule is null) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = schedule.GetNextOccurrence(now, TimeZoneInfo.Utc);
            if (next is null) return;
            try
            {
                await Task.Delay(next.Value - now, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                // Shutting down between sweeps is the normal way out, not a failure of the host.
                return;
            }
            try
            {
                using var scope = services.CreateScope();
                var function = ActivatorUtilities.CreateInstance<DuplicateSweepFunction>(scope.ServiceProvider);
                await function.Run(new TimerInfo(), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopped in the middle of a sweep: what it saved stands (the checkpoint moves per batch), the rest is
                // the next run's; not a failure of the host either.
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Duplicate sweep failed")]
    private partial void LogSweepFailed(Exception exception);
}

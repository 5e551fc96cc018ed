using ConvoFunctions.Cli.Local;
using ConvoFunctions.Detection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Tests.Cli;

public sealed class LocalSweepTimerTests
{
    [Fact]
    public async Task Stopping_serve_between_sweeps_ends_the_timer_cleanly()
    {
        // Found by `convo reliability`: stopping the host while the timer waited for its next occurrence faulted the
        // background service, which the host reports as a critical failure.
        var options = Options.Create(new DetectionOptions { Schedule = "0 0 0 1 1 *" }); // next run months away
        using var services = new ServiceCollection().BuildServiceProvider();
        var time = new TimerWatchingTimeProvider();
        var timer = new LocalSweepTimer(services, options, time, NullLogger<LocalSweepTimer>.Instance);

        await timer.StartAsync(CancellationToken.None);
        await time.TimerCreated.WaitAsync(TimeSpan.FromSeconds(10)); // the timer is now waiting for its next sweep
        await timer.StopAsync(CancellationToken.None);

        Assert.Equal(TaskStatus.RanToCompletion, timer.ExecuteTask!.Status);
    }
}

/// <summary>The system clock, telling when someone starts waiting on it.</summary>
internal sealed class TimerWatchingTimeProvider : TimeProvider
{
    private readonly TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task TimerCreated => _created.Task;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = System.CreateTimer(callback, state, dueTime, period);
        _created.TrySetResult();
        return timer;
    }
}

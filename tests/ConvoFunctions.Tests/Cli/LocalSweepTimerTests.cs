using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Detection;
using ConvoFunctions.Tests.Infrastructure;
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

    [Fact]
    public async Task Stopping_serve_in_the_middle_of_a_sweep_ends_the_timer_cleanly()
    {
        // Found by the reliability run: the sweep's own cancellation at shutdown escaped the timer, which the host
        // reports as a critical "BackgroundService has thrown an unhandled exception".
        var sweeping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var storage = await LoopbackServer.StartAsync(async (context, _) =>
        {
            sweeping.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted); // storage that never answers: the sweep is stuck in its first read
        });
        await using var services = TestServices.Create(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[32])};" +
            $"BlobEndpoint={storage.BaseAddress}devstoreaccount1;QueueEndpoint={storage.BaseAddress}devstoreaccount1;TableEndpoint={storage.BaseAddress}devstoreaccount1;",
            settings: new Dictionary<string, string?> { [SettingNames.DetectionSchedule] = "* * * * * *" });
        var timer = new LocalSweepTimer(services, services.GetRequiredService<IOptions<DetectionOptions>>(), TimeProvider.System, NullLogger<LocalSweepTimer>.Instance);

        await timer.StartAsync(CancellationToken.None);
        await sweeping.Task.WaitAsync(TimeSpan.FromSeconds(30));
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

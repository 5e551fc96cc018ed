using Azure;

namespace ConvoFunctions.Storage;

/// <summary>
/// The storage service's clock: the <c>Date</c> of its answers. It stamps changes and moves the sweep's checkpoint, so
/// that an instance whose own clock is minutes off (a laptop's <c>convo serve --storage</c> against the deployed
/// account, a second app) neither hides a change behind the checkpoint nor pushes the checkpoint past changes still to
/// come. Every instance writing to one account then orders its changes by one clock.
/// </summary>
internal sealed class StorageClock
{
    private readonly TimeProvider _time;
    private readonly bool _fromAnswers;

    private StorageClock(TimeProvider time, bool fromAnswers) => (_time, _fromAnswers) = (time, fromAnswers);

    /// <summary>The deployed app's and the CLI's: the service's answers tell the time.</summary>
    public static StorageClock FromAnswers(TimeProvider time) => new(time, fromAnswers: true);

    /// <summary>A storage service whose clock is <paramref name="time"/>: tests on a fake clock.</summary>
    public static StorageClock Following(TimeProvider time) => new(time, fromAnswers: false);

    /// <summary>
    /// When the service answered (to the second, as <c>Date</c> carries it), or this instance's time when the answer
    /// carries none. The truncated fraction is within the sweep's overlap.
    /// </summary>
    public DateTimeOffset At(Response? answer) =>
        _fromAnswers && answer?.Headers.Date is { } date ? date.ToUniversalTime() : _time.GetUtcNow();
}

using ConvoFunctions.Detection;
using Microsoft.Azure.Functions.Worker;
using ConvoFunctions.Sweep;

namespace ConvoFunctions.App.Detection;

internal sealed class DuplicateSweepFunction(DuplicateSweep sweep)
{
    /// <summary>
    /// The host resolves <c>%Detection:Schedule%</c> from app settings through its configuration, where the app setting
    /// <c>Detection__Schedule</c> appears as <c>Detection:Schedule</c>. The host cannot index the function when the setting
    /// is missing, so the Bicep ships the default <c>0 */5 * * * *</c>.
    /// </summary>
    [Function("DuplicateSweep")]
    public async Task Run(
        [TimerTrigger("%" + Configuration.SettingNames.DetectionSchedule + "%", RunOnStartup = false, UseMonitor = true)] TimerInfo timer,
        CancellationToken cancellationToken)
    {
        await sweep.RunAsync(cancellationToken);
    }
}

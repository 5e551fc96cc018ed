using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;
using ConvoFunctions.Sweep;
using Microsoft.Azure.Functions.Worker;

namespace ConvoFunctions.App.Detection;

internal sealed class CheckCallFunction(CallCheck check)
{
    /// <summary>A call with a second conversation recorded, judged now instead of at the next sweep; it never throws (the sweep backs it up).</summary>
    [Function("CheckCall")]
    public async Task Run(
        [QueueTrigger(StorageNames.CallChecksQueue, Connection = SettingNames.Storage)] string message,
        CancellationToken cancellationToken)
    {
        await check.HandleAsync(message, cancellationToken);
    }
}

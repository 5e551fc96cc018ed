using ConvoFunctions.Alerts;
using ConvoFunctions.Configuration;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Telephony;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions;

/// <summary>
/// At start-up, one Critical line per optional feature that turned itself off because of a setting, naming the
/// setting to fix. Critical because a person must act; not fatal, because the webhook endpoint must stay up.
/// </summary>
internal sealed partial class OptionalSettingsCheck(
    IOptions<AlertOptions> alerts, IOptions<ElevenLabsOptions> elevenLabs, IOptions<TwilioOptions> twilio, ILogger<OptionalSettingsCheck> logger)
    : IHostedService
{
    public IReadOnlyList<SettingProblem> Problems() => [.. elevenLabs.Value.Problems(), .. alerts.Value.Problems(), .. twilio.Value.Problems()];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var problem in Problems()) LogFeatureOff(problem.Feature, problem.AppSetting, problem.Fix);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Critical, Message = "SETTING TO FIX: {feature} is off because {setting} {fix}. The rest of the app runs.")]
    private partial void LogFeatureOff(string feature, string setting, string fix);
}

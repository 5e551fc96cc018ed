using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.ElevenLabs;

/// <summary>Says once, loudly, at start-up when enrichment runs from webhook bodies because no API key is set.</summary>
internal sealed partial class ElevenLabsStartupCheck(IOptions<ElevenLabsOptions> options, ILogger<ElevenLabsStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // An unresolved reference is reported (once) by OptionalSettingsCheck.
        if (!options.Value.HasApiKey && !Configuration.KeyVaultReference.IsUnresolved(options.Value.ApiKey)) LogNoApiKey(Configuration.SettingNames.ElevenLabsApiKey);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "NO ELEVENLABS API KEY: {setting} is not set, so enrichment records conversations from the webhook bodies alone. " +
        "The API is the authority on a conversation's final state; set the key to enrich from it. post_call_audio events are skipped in this mode.")]
    private partial void LogNoApiKey(string setting);
}

using System.Net.Http.Headers;
using System.Text;
using ConvoFunctions.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace ConvoFunctions.Telephony;

internal static class TelephonyServiceCollectionExtensions
{
    /// <summary>
    /// The Twilio settings (bound without validation: a bad value turns the feature off, see
    /// <see cref="TwilioOptions.Problems"/>), the typed <see cref="TwilioClient"/>, the SIP log reader and the evidence
    /// reader. The caller registers the ElevenLabs client (<c>AddElevenLabs</c> or <c>AddElevenLabsClient</c>).
    /// </summary>
    public static IServiceCollection AddTelephony(this IServiceCollection services, IConfiguration configuration)
    {
        // Every setting is read as text, so no value can make binding throw and take the host down with it.
        services.AddOptions<TwilioOptions>().Bind(configuration.GetSection(SettingNames.TwilioSection));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TwilioConcurrencyGate>();
        services.AddHttpClient<TwilioClient>((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<TwilioOptions>>().Value;
                var baseUrl = options.BaseUri.ToString();
                http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
                // The resilience pipeline owns the timeouts.
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
                if (options.IsEnabled)
                {
                    var credentials = Encoding.UTF8.GetBytes(options.ApiKeySid!.Trim() + ":" + options.ApiKeySecret!.Trim());
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(credentials));
                }
            })
            .AddStandardResilienceHandler()
            .Configure(Tune);
        services.TryAddTransient<SipMessageReader>();
        services.TryAddTransient<TelephonyEvidenceReader>();
        services.AddHostedService<TelephonyStartupCheck>();
        return services;
    }

    /// <summary>
    /// Twilio limits concurrent requests per account and answers 429 (error 20429): retried with jittered exponential
    /// backoff, as are 408, 5xx and network errors; other 4xx (401: a wrong key) are final at once.
    /// </summary>
    internal static void Tune(HttpStandardResilienceOptions resilience)
    {
        resilience.Retry.MaxRetryAttempts = 3;
        resilience.Retry.BackoffType = DelayBackoffType.Exponential;
        resilience.Retry.UseJitter = true;
        resilience.Retry.Delay = TimeSpan.FromSeconds(1);
        resilience.Retry.ShouldRetryAfterHeader = true;
        resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
        resilience.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(30);
        resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(30);
    }
}

/// <summary>
/// One line at start-up saying whether Twilio evidence is read. A set but unusable configuration is not logged here:
/// <c>OptionalSettingsCheck</c> names the setting to fix, once.
/// </summary>
internal sealed partial class TelephonyStartupCheck(IOptions<TwilioOptions> options, ILogger<TelephonyStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var twilio = options.Value;
        if (twilio.IsEnabled) LogOn(twilio.BaseUri.Host, twilio.Concurrency);
        else if (twilio.IsAbsent)
            LogOff(SettingNames.ToEnvironmentForm(SettingNames.TwilioAccountSid), SettingNames.ToEnvironmentForm(SettingNames.TwilioApiKeySid),
                SettingNames.ToEnvironmentForm(SettingNames.TwilioApiKeySecret));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Telephony evidence from Twilio: on ({host}, at most {max_concurrency} requests at once)")]
    private partial void LogOn(string host, int max_concurrency);

    [LoggerMessage(Level = LogLevel.Information, Message = "Telephony evidence from Twilio: off; set {account_sid}, {api_key_sid} and {api_key_secret} to read each call's legs, requests and errors")]
    private partial void LogOff(string account_sid, string api_key_sid, string api_key_secret);
}

using ConvoFunctions.Configuration;
using ConvoFunctions.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Initiation;

internal static class InitiationServiceCollectionExtensions
{
    public static IServiceCollection AddInitiation(this IServiceCollection services, IConfiguration configuration)
    {
        // No start-up validation: InitiationSettings turns a bad part off instead (see there). Not even a timeout that
        // is no time span may throw here, since building the settings would then stop the host and the webhook route.
        services.AddOptions<InitiationOptions>().Configure(options =>
        {
            var section = configuration.GetSection(SettingNames.InitiationSection);
            try
            {
                section.Bind(options);
            }
            catch (InvalidOperationException)
            {
                // Only the timeout can fail to convert (the rest are strings): keep the others, mark it out of range.
                options.UpstreamUrl = section[nameof(InitiationOptions.UpstreamUrl)];
                options.UpstreamHeaders = section[nameof(InitiationOptions.UpstreamHeaders)];
                options.DefaultDynamicVariables = section[nameof(InitiationOptions.DefaultDynamicVariables)] ?? options.DefaultDynamicVariables;
                options.UpstreamTimeout = TimeSpan.MinValue;
            }
        });
        services.AddConvoMetrics();
        services.AddSingleton<InitiationSettings>();
        services.AddSingleton<InitiationStore>();
        services.AddSingleton<InitiationChanges>();
        services.AddHostedService(sp => sp.GetRequiredService<InitiationChanges>());
        services.AddHostedService<InitiationStartupCheck>();
        // Transient: it holds the typed HttpClient (handler rotation), and so does the upstream client.
        services.AddTransient<InitiationResponder>();
        services.AddHttpClient<InitiationUpstream>((sp, http) =>
            {
                // The resilience pipeline and the request's budget own the timeout.
                http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
                http.MaxResponseContentBufferSize = 1024 * 1024;
            })
            .AddStandardResilienceHandler()
            .Configure((resilience, sp) => Tune(resilience, sp.GetRequiredService<InitiationSettings>().Timeout));
        return services;
    }

    /// <summary>
    /// One attempt, no retry: the call is waiting and a retry could not finish inside the budget. The breaker
    /// (default: 10% failures over at least 100 requests) makes a dead upstream cost nothing instead of the budget.
    /// </summary>
    internal static void Tune(HttpStandardResilienceOptions resilience, TimeSpan budget)
    {
        resilience.Retry.ShouldHandle = _ => ValueTask.FromResult(false);
        resilience.AttemptTimeout.Timeout = budget;
        resilience.TotalRequestTimeout.Timeout = budget + TimeSpan.FromSeconds(1);
        var window = budget * 2;
        if (resilience.CircuitBreaker.SamplingDuration < window) resilience.CircuitBreaker.SamplingDuration = window;
    }
}

/// <summary>
/// Builds <see cref="InitiationSettings"/> (whose constructor runs the checks) at start-up, so a misconfiguration is
/// logged before the first call rather than during it, and says once which mode the route runs in.
/// </summary>
internal sealed partial class InitiationStartupCheck(InitiationSettings settings, ILogger<InitiationStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Only the upstream's host is named: its path or query may carry a key.
        var mode = !settings.Enabled ? $"off (404): no usable {SettingNames.ElevenLabsInitiationSecret}"
            : settings.Upstream is { } upstream ? $"proxy mode to {upstream.Host}, defaults after {settings.Timeout}"
            : "answering the default dynamic variables";
        LogMode(mode);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Initiation route: {mode}")]
    private partial void LogMode(string mode);
}

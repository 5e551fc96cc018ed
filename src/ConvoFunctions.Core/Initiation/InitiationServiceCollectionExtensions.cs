using ConvoFunctions.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Initiation;

internal static class InitiationServiceCollectionExtensions
{
    public static IServiceCollection AddInitiation(this IServiceCollection services, IConfiguration configuration)
    {
        // Bound without start-up validation: InitiationSettings turns a bad part off instead (see there).
        services.AddOptions<InitiationOptions>().Bind(configuration.GetSection(SettingNames.InitiationSection));
        services.AddMetrics();
        services.AddSingleton<InitiationSettings>();
        services.AddSingleton<InitiationMetrics>();
        services.AddSingleton<InitiationStore>();
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

/// <summary>Checks the initiation settings at start-up, so a misconfiguration is logged before the first call.</summary>
internal sealed class InitiationStartupCheck(InitiationSettings settings) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.FromResult(settings.Enabled);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using ConvoFunctions.Configuration;
using ConvoFunctions.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace ConvoFunctions.ElevenLabs;

internal static class ElevenLabsServiceCollectionExtensions
{
    /// <summary>The settings, the app-wide concurrency slots, the typed client and its start-up check.</summary>
    public static IServiceCollection AddElevenLabs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedSettings<ElevenLabsOptions>(configuration, SettingNames.ElevenLabsSection);
        services.AddSingleton<AppConcurrencySlots>();
        services.AddElevenLabsClient();
        services.AddHostedService<ElevenLabsStartupCheck>();
        return services;
    }

    /// <summary>
    /// The typed <see cref="ElevenLabsClient"/> with the standard resilience handler, tuned for the Agents API:
    /// <list type="bullet">
    /// <item>retry 429, 408, 5xx and network errors (the handler's default predicate; other 4xx are final),
    /// <c>RetryAttempts</c> times with jittered exponential backoff from <c>RetryBaseDelay</c>;</item>
    /// <item><c>ShouldRetryAfterHeader</c> (default true, set explicitly): a 429 with <c>Retry-After</c> is waited out;</item>
    /// <item>attempt timeout <c>AttemptTimeout</c> (10 s), total per request incl. waits <c>TotalTimeout</c> (60 s).</item>
    /// </list>
    /// </summary>
    public static IServiceCollection AddElevenLabsClient(this IServiceCollection services)
    {
        services.AddSingleton<ElevenLabsConcurrencyGate>();
        services.AddConvoMetrics();
        services.TryAddTransient<ElevenLabsRequestCounter>();
        var client = services.AddHttpClient<ElevenLabsClient>((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<ElevenLabsOptions>>().Value;
                var baseUrl = options.BaseUrl.ToString();
                http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
                // The resilience pipeline owns timeouts; HttpClient's own 100 s would cut Retry-After waits short.
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
                if (options.HasApiKey) http.DefaultRequestHeaders.TryAddWithoutValidation(ElevenLabsClient.ApiKeyHeader, options.ApiKey!.Trim());
            });
        client.AddStandardResilienceHandler()
            .Configure((resilience, sp) => Tune(resilience, sp.GetRequiredService<IOptions<ElevenLabsOptions>>().Value));
        // Added after the resilience handler, so inside it: every attempt is counted, retries included.
        client.AddHttpMessageHandler<ElevenLabsRequestCounter>();
        return services;
    }

    internal static void Tune(HttpStandardResilienceOptions resilience, ElevenLabsOptions options)
    {
        resilience.Retry.MaxRetryAttempts = Math.Max(1, options.RetryAttempts);
        if (options.RetryAttempts == 0) resilience.Retry.ShouldHandle = _ => ValueTask.FromResult(false);
        resilience.Retry.BackoffType = DelayBackoffType.Exponential;
        resilience.Retry.UseJitter = true;
        resilience.Retry.Delay = options.RetryBaseDelay;
        resilience.Retry.ShouldRetryAfterHeader = true;

        resilience.AttemptTimeout.Timeout = options.AttemptTimeout;
        resilience.TotalRequestTimeout.Timeout = options.TotalTimeout > options.AttemptTimeout
            ? options.TotalTimeout
            : options.AttemptTimeout + TimeSpan.FromSeconds(1);
        // The handler's default breaker opens at a 10% failure ratio. A few 429s and 500s in a busy minute are
        // ordinary for this API and are already retried; an open circuit then failed every message at once and
        // burnt its queue deliveries until it landed in poison (found by the reliability harness). Break only when
        // most calls fail, i.e. on a real outage.
        resilience.CircuitBreaker.FailureRatio = 0.5;
        // The handler's validation wants the breaker's window at least twice the attempt timeout.
        var window = options.AttemptTimeout * 2;
        if (resilience.CircuitBreaker.SamplingDuration < window) resilience.CircuitBreaker.SamplingDuration = window;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConvoFunctions.Metrics;

internal static class MetricsServiceCollectionExtensions
{
    /// <summary>The app's meter; every capability that records calls this (idempotent).</summary>
    public static IServiceCollection AddConvoMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<ConvoMetrics>();
        return services;
    }
}

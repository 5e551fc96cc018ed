using ConvoFunctions.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConvoFunctions.Sweep;

internal static class SweepServiceCollectionExtensions
{
    /// <summary>The timer's sweep: detection, then alerts, then the webhook's health (needs <c>AddDetection</c> and <c>AddAlerts</c>).</summary>
    public static IServiceCollection AddSweep(this IServiceCollection services)
    {
        services.TryAddSingleton<SweepCheckpoint>();
        services.TryAddSingleton<SweepLease>();
        services.TryAddTransient<CallEvidence>();
        services.TryAddSingleton<AgentWebhookOverrides>();
        services.TryAddTransient<WebhookHealthCheck>();
        services.TryAddTransient<DuplicateSweep>();
        services.TryAddTransient<CallCheck>();
        services.AddConvoMetrics();
        return services;
    }
}

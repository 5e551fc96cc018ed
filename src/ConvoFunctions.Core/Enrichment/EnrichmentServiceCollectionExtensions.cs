using ConvoFunctions.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConvoFunctions.Enrichment;

internal static class EnrichmentServiceCollectionExtensions
{
    /// <summary>The queue consumer's work (needs <c>AddElevenLabs</c>, <c>AddWebhooks</c> and <c>AddCorrelation</c>).</summary>
    public static IServiceCollection AddEnrichment(this IServiceCollection services)
    {
        // Transient: it holds the typed HttpClient, which the factory hands out fresh (handler rotation).
        services.AddTransient<EnrichmentProcessor>();
        services.AddConvoMetrics();
        services.TryAddSingleton<Conversations.InitiationSourceNotice>();
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Enrichment;

internal static class EnrichmentServiceCollectionExtensions
{
    /// <summary>The queue consumer's work (needs <c>AddElevenLabs</c>, <c>AddWebhooks</c> and <c>AddCorrelation</c>).</summary>
    public static IServiceCollection AddEnrichment(this IServiceCollection services)
    {
        // Transient: it holds the typed HttpClient, which the factory hands out fresh (handler rotation).
        services.AddTransient<EnrichmentProcessor>();
        return services;
    }
}

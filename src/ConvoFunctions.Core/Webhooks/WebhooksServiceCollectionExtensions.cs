using ConvoFunctions.Configuration;
using ConvoFunctions.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConvoFunctions.Webhooks;

internal static class WebhooksServiceCollectionExtensions
{
    /// <summary>The ingest: signature check, archive and queue, the heartbeat, and the queue's poison side.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedSettings<WebhookOptions>(configuration, SettingNames.WebhooksSection);
        services.AddSingleton<WebhookSignatureVerifier>();
        services.AddSingleton<WebhookStore>();
        services.TryAddSingleton<IWebhookHeartbeat, TableWebhookHeartbeat>();
        services.AddConvoMetrics();
        services.AddSingleton<UnknownWebhookTypes>();
        services.AddSingleton<WebhookIngestor>();
        services.AddSingleton<PoisonQueue>();
        return services;
    }
}

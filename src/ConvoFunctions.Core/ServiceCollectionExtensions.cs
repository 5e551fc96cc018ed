using ConvoFunctions.Correlation;
using ConvoFunctions.Detection;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Initiation;
using ConvoFunctions.Storage;
using ConvoFunctions.Webhooks;
using ConvoFunctions.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConvoFunctions;

internal static class ServiceCollectionExtensions
{
    /// <summary>Everything the functions need; shared by the Functions app, <c>convo serve</c> and the tests.</summary>
    public static IServiceCollection AddConvoFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => StorageAccount.FromConfiguration(configuration));

        services.AddValidatedSettings<ElevenLabsOptions>(configuration, Configuration.SettingNames.ElevenLabsSection);
        services.AddValidatedSettings<WebhookOptions>(configuration, Configuration.SettingNames.WebhooksSection);

        services.AddValidatedSettings<Retention.RetentionOptions>(configuration, Configuration.SettingNames.RetentionSection);
        services.AddSingleton<Retention.RetentionSweep>();

        services.AddSingleton<WebhookSignatureVerifier>();
        services.AddSingleton<WebhookStore>();
        services.TryAddSingleton<IWebhookHeartbeat, TableWebhookHeartbeat>();
        services.AddSingleton<WebhookIngestor>();

        services.AddSingleton<AppConcurrencySlots>();
        services.AddElevenLabsClient();
        services.AddHostedService<ElevenLabsStartupCheck>();
        services.AddSingleton<OptionalSettingsCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<OptionalSettingsCheck>());
        services.AddSingleton<CorrelationRepository>();
        services.AddSingleton<PoisonQueue>();
        // Transient: it holds the typed HttpClient, which the factory hands out fresh (handler rotation).
        services.AddTransient<EnrichmentProcessor>();
        services.AddDetection(configuration);
        services.AddInitiation(configuration);
        return services;
    }
}

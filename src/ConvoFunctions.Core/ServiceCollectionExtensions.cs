using ConvoFunctions.Alerts;
using ConvoFunctions.Correlation;
using ConvoFunctions.Detection;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Initiation;
using ConvoFunctions.Retention;
using ConvoFunctions.Storage;
using ConvoFunctions.Sweep;
using ConvoFunctions.Telephony;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConvoFunctions;

internal static class ServiceCollectionExtensions
{
    /// <summary>
    /// Everything the functions need, one capability at a time (docs/architecture.md); shared by the Functions app,
    /// <c>convo serve</c> and the tests.
    /// </summary>
    public static IServiceCollection AddConvoFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddStorage(configuration);
        services.AddElevenLabs(configuration);
        services.AddWebhooks(configuration);
        services.AddCorrelation();
        services.AddEnrichment();
        services.AddDetection(configuration);
        services.AddTelephony(configuration);
        services.AddAlerts(configuration);
        services.AddSweep();
        services.AddRetention(configuration);
        services.AddInitiation(configuration);

        // After the capabilities' own start-up checks: one line per optional feature a setting turned off.
        services.AddSingleton<OptionalSettingsCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<OptionalSettingsCheck>());
        return services;
    }
}

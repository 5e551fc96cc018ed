using Azure.Identity;
using ConvoFunctions.Alerts;
using ConvoFunctions.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using ConvoFunctions.Sweep;

namespace ConvoFunctions.Detection;

internal static class DetectionServiceCollectionExtensions
{
    /// <summary>The sweep, its alert channels and the ElevenLabs directory client (part of <c>AddConvoFunctions</c>).</summary>
    public static IServiceCollection AddDetection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedSettings<DetectionOptions>(configuration, SettingNames.DetectionSection);
        services.AddValidatedSettings<AlertOptions>(configuration, SettingNames.AlertsSection);

        services.AddConversationDirectory();

        services.TryAddSingleton(_ => new AcsCredential(new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            // The user-assigned identity the Bicep gives the app (AZURE_CLIENT_ID); locally, developer credentials.
            ManagedIdentityClientId = configuration["AZURE_CLIENT_ID"],
        })));

        // Alerts are POSTs: no automatic retry that could send twice. A failure is retried by the next sweep instead.
        services.AddHttpClient<TeamsChannel>().AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
        services.AddHttpClient<EmailChannel>().AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
        services.AddTransient<LogChannel>();
        services.AddTransient<IAlertChannel>(sp => sp.GetRequiredService<LogChannel>());
        services.AddTransient<IAlertChannel>(sp => sp.GetRequiredService<TeamsChannel>());
        services.AddTransient<IAlertChannel>(sp => sp.GetRequiredService<EmailChannel>());

        services.TryAddSingleton<AlertLedger>();
        services.TryAddSingleton<AlertFactory>();
        services.TryAddTransient<AlertDispatcher>();
        services.TryAddSingleton<SweepCheckpoint>();
        services.TryAddTransient<SiblingDiscovery>();
        services.TryAddTransient<WebhookHealthCheck>();
        services.TryAddTransient<DuplicateSweep>();
        return services;
    }

    /// <summary>
    /// The list/detail/webhooks view of the API over the typed <see cref="ElevenLabs.ElevenLabsClient"/>, which the
    /// caller registers once (<c>AddElevenLabsClient</c>); <c>convo audit</c> uses both without any Azure.
    /// </summary>
    public static IServiceCollection AddConversationDirectory(this IServiceCollection services)
    {
        services.TryAddTransient<IConversationDirectory, ElevenLabsDirectoryClient>();
        return services;
    }
}

using Azure.Identity;
using ConvoFunctions.Configuration;
using ConvoFunctions.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;

namespace ConvoFunctions.Alerts;

internal static class AlertsServiceCollectionExtensions
{
    /// <summary>The channels, the ledger that sends each alert once, and the dispatcher (part of <c>AddConvoFunctions</c>; <c>convo test-alert</c>).</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedSettings<AlertOptions>(configuration, SettingNames.AlertsSection);

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
        services.TryAddSingleton<IncidentRecords>();
        services.TryAddTransient<Incidents>();
        services.AddConvoMetrics();
        return services;
    }
}

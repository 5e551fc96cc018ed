using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Correlation;

internal static class CorrelationServiceCollectionExtensions
{
    public static IServiceCollection AddCorrelation(this IServiceCollection services)
    {
        services.AddSingleton<CorrelationRepository>();
        services.AddSingleton<CallKeyMigration>();
        services.AddSingleton<CallChecks>();
        return services;
    }
}

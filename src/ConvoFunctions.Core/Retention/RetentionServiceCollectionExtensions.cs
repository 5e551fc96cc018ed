using ConvoFunctions.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Retention;

internal static class RetentionServiceCollectionExtensions
{
    public static IServiceCollection AddRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedSettings<RetentionOptions>(configuration, SettingNames.RetentionSection);
        services.AddSingleton<RetentionSweep>();
        return services;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConvoFunctions.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>The one account, from <c>AzureWebJobsStorage</c>, unless the caller registered one already.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => StorageAccount.FromConfiguration(configuration));
        services.TryAddSingleton(provider => StorageClock.FromAnswers(provider.GetRequiredService<TimeProvider>()));
        return services;
    }
}

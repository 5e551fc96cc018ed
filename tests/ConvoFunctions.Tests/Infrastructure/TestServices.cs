using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Tests.Infrastructure;

/// <summary>The app's real service registrations over test settings, a test clock and a given storage account.</summary>
internal static class TestServices
{
    public const string Secret = "wsec_sample_5f0c2a9e8b7d6c4b3a291807f6e5d4c3";

    public static ServiceProvider Create(
        string storageConnectionString,
        TimeProvider? time = null,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null)
    {
        var values = new Dictionary<string, string?>
        {
            [SettingNames.Storage] = storageConnectionString,
            [SettingNames.ElevenLabsWebhookSecret] = Secret,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        // Each container its own capture: read it with GetRequiredService<TestLog>().
        var log = new TestLog();
        services.AddSingleton(log);
        services.AddLogging(logging => logging.AddProvider(log));
        if (time is not null)
        {
            services.AddSingleton(time);
            // On a fake clock the storage service keeps the same time, as a real one keeps real time.
            services.AddSingleton(StorageClock.Following(time));
        }
        services.AddConvoFunctions(configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}

using ConvoFunctions.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConvoFunctions.Detection;

internal static class DetectionServiceCollectionExtensions
{
    /// <summary>The grouping rules' settings, sibling discovery and the ElevenLabs directory (part of <c>AddConvoFunctions</c>).</summary>
    public static IServiceCollection AddDetection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedSettings<DetectionOptions>(configuration, SettingNames.DetectionSection);
        services.AddConversationDirectory();
        services.TryAddTransient<SiblingDiscovery>();
        services.TryAddSingleton<Conversations.InitiationSourceNotice>();
        services.TryAddSingleton<SharedCallIdNotice>();
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

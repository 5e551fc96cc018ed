using System.Reflection;
using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Infra.Tests;

/// <summary>What the code expects, read from the same source files the app compiles.</summary>
internal static class Contract
{
    /// <summary>Every setting key in SettingNames, in environment form (ElevenLabs__WebhookSecret).</summary>
    public static IReadOnlySet<string> SettingKeys { get; } = typeof(SettingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string) && !field.Name.EndsWith("Section", StringComparison.Ordinal))
        .Select(field => SettingNames.ToEnvironmentForm((string)field.GetRawConstantValue()!))
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    public static string Env(string key) => SettingNames.ToEnvironmentForm(key);

    /// <summary>Settings whose value is a secret: in Azure they must be Key Vault references.</summary>
    public static IReadOnlyList<string> SecretSettings { get; } =
    [
        Env(SettingNames.ElevenLabsApiKey),
        Env(SettingNames.ElevenLabsWebhookSecret),
        Env(SettingNames.ElevenLabsPreviousWebhookSecret),
        Env(SettingNames.AlertsTeamsWebhookUrl),
        Env(SettingNames.ElevenLabsInitiationSecret),
        Env(SettingNames.ElevenLabsPreviousInitiationSecret),
        Env(SettingNames.InitiationUpstreamHeaders),
        Env(SettingNames.TwilioApiKeySecret),
    ];

    /// <summary>Settings the platform or the Azure SDK reads, which the app itself never names.</summary>
    public static IReadOnlySet<string> PlatformSettings { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "AZURE_CLIENT_ID",
    };

    /// <summary>Settings a local run needs that Azure supplies differently (Functions Core Tools, Azurite).</summary>
    public static IReadOnlySet<string> LocalPlatformSettings { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "FUNCTIONS_WORKER_RUNTIME",
        "AzureWebJobsStorage",
        "AzureWebJobsSecretStorageType",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    };

    /// <summary>
    /// App settings Flex Consumption rejects or ignores: the runtime and deployment are configured in
    /// functionAppConfig (see "Flex Consumption plan deprecations" in the Functions app settings reference).
    /// </summary>
    public static IReadOnlySet<string> FlexForbiddenSettings { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "FUNCTIONS_EXTENSION_VERSION",
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_WORKER_RUNTIME_VERSION",
        "FUNCTIONS_MAX_HTTP_CONCURRENCY",
        "FUNCTIONS_WORKER_PROCESS_COUNT",
        "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED",
        "SCM_DO_BUILD_DURING_DEPLOYMENT",
        "ENABLE_ORYX_BUILD",
        "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE",
        "WEBSITE_CONTENTOVERVNET",
        "WEBSITE_SKIP_CONTENTSHARE_VALIDATION",
        "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT",
        "WEBSITE_NODE_DEFAULT_VERSION",
        "WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED",
        "WEBSITE_MOUNT_ENABLED",
        "WEBSITE_VNET_ROUTE_ALL",
        "WEBSITE_TIME_ZONE",
        "WEBSITES_CONTAINER_START_TIME_LIMIT",
        "TZ",
    };

    public static IReadOnlyList<string> Containers => StorageNames.Containers;
    public static IReadOnlyList<string> Queues => StorageNames.Queues;
    public static IReadOnlyList<string> Tables => StorageNames.Tables;
}

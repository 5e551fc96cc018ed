using System.Text.Json.Nodes;
using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Infra.Tests;

/// <summary>
/// The app settings a default deployment produces (main.bicep compiled, main.bicepparam with no environment
/// variables) pass the app's own start-up validation: the template and the code cannot drift apart unnoticed.
/// </summary>
public class DeployedSettingsTests
{
    // What the modules' outputs look like once deployed; a new output used by an app setting needs a sample here.
    private static readonly Dictionary<string, JsonObject> ModuleOutputs = new()
    {
        ["identity"] = Outputs(("id", "/subscriptions/0/resourceGroups/rg-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-test"),
            ("clientId", "00000000-0000-0000-0000-00000000c11d"), ("principalId", "00000000-0000-0000-0000-000000000001"), ("name", "id-test")),
        ["storage"] = Outputs(("name", "sttest"), ("id", "/subscriptions/0/storage"), ("blobEndpoint", "https://sttest.blob.core.windows.net/"),
            ("queueEndpoint", "https://sttest.queue.core.windows.net/"), ("tableEndpoint", "https://sttest.table.core.windows.net/"),
            ("deploymentContainerUrl", "https://sttest.blob.core.windows.net/app-package")),
        ["monitoring"] = Outputs(("connectionString", "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://swedencentral-0.in.applicationinsights.azure.com/"),
            ("applicationInsightsName", "appi-test")),
        ["keyvault"] = Outputs(("name", "kv-test"), ("id", "/subscriptions/0/vault"), ("uri", "https://kv-test.vault.azure.net/")),
        ["communication"] = Outputs(("name", "acs-test"), ("endpoint", "https://acs-test.europe.communication.azure.com"),
            ("sender", "DoNotReply@00000000-test.azurecomm.net")),
    };

    /// <summary>The first azd up stores the webhook secret (preprovision hook); every other secret may be missing.</summary>
    private static readonly HashSet<string> StoredSecrets = ["elevenlabs-webhook-secret"];

    [Fact]
    public async Task Default_deployment_settings_pass_the_apps_start_up_validation()
    {
        var settings = await DefaultDeploymentSettingsAsync();

        var problems = Start(settings);

        // Optional features the default leaves unconfigured are reported, not fatal.
        Assert.Contains(problems, p => p.Setting == SettingNames.AlertsEmailRecipients);
        Assert.Contains(problems, p => p.Setting == SettingNames.AlertsTeamsWebhookUrl);
    }

    [Theory]
    [InlineData("ElevenLabs__WebhookSecret")]
    [InlineData("AzureWebJobsStorage__blobServiceUri")]
    [InlineData("AzureWebJobsStorage__queueServiceUri")]
    [InlineData("AzureWebJobsStorage__tableServiceUri")]
    public async Task Removing_a_required_setting_from_the_template_fails_start_up_naming_it(string name)
    {
        var settings = new Dictionary<string, string>(await DefaultDeploymentSettingsAsync(), StringComparer.OrdinalIgnoreCase);
        Assert.True(settings.Remove(name), $"The template does not set {name}.");

        var error = Assert.ThrowsAny<Exception>(() => Start(settings));
        Assert.Contains(name.Replace("__", ":", StringComparison.Ordinal), error.Message.Replace("__", ":", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unresolved_webhook_secret_fails_start_up_naming_it()
    {
        var settings = new Dictionary<string, string>(await DefaultDeploymentSettingsAsync(), StringComparer.OrdinalIgnoreCase)
        {
            ["ElevenLabs__WebhookSecret"] = "@Microsoft.KeyVault(VaultName=kv-test;SecretName=elevenlabs-webhook-secret)",
        };
        var error = Assert.ThrowsAny<Exception>(() => Start(settings));
        Assert.Contains(SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsWebhookSecret), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Twilio_evidence_is_off_by_default_and_an_unresolved_secret_turns_it_off_naming_the_setting()
    {
        var settings = new Dictionary<string, string>(await DefaultDeploymentSettingsAsync(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal("", settings["Twilio__AccountSid"]);
        Assert.Equal("", settings["Twilio__ApiKeySecret"]);
        Assert.DoesNotContain(Start(settings), p => p.Setting.StartsWith(SettingNames.TwilioSection, StringComparison.Ordinal));

        // Account and key SID set, the secret never stored in Key Vault: the reference reaches the app as its text.
        settings["Twilio__AccountSid"] = "AC00000000000000000000000000000000";
        settings["Twilio__ApiKeySid"] = "SK00000000000000000000000000000000";
        settings["Twilio__ApiKeySecret"] = "@Microsoft.KeyVault(VaultName=kv-test;SecretName=twilio-api-key-secret)";
        var problem = Assert.Single(Start(settings), p => p.Setting.StartsWith(SettingNames.TwilioSection, StringComparison.Ordinal));
        Assert.Equal(SettingNames.TwilioApiKeySecret, problem.Setting);
    }

    /// <summary>What the app does at start: options validation (ValidateOnStart) and the storage connection.</summary>
    private static IReadOnlyList<SettingProblem> Start(IReadOnlyDictionary<string, string> appSettings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(appSettings.Select(pair => KeyValuePair.Create(pair.Key.Replace("__", ":", StringComparison.Ordinal), (string?)pair.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddConvoFunctions(configuration);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        provider.GetRequiredService<StorageAccount>();
        return provider.GetRequiredService<OptionalSettingsCheck>().Problems();
    }

    internal static async Task<IReadOnlyDictionary<string, string>> DefaultDeploymentSettingsAsync()
    {
        var main = await Bicep.CompiledMainAsync();
        var given = Json.ParseObject((string?)Json.ParseObject((await Bicep.BuildParamsAsync()).StdOut)["parametersJson"] ?? "{}")["parameters"]!.AsObject();
        var declared = main["parameters"]!.AsObject();

        ArmEvaluator outer = null!;
        outer = new ArmEvaluator(
            name => given[name]?["value"]?.DeepClone() ?? declared[name]?["defaultValue"]?.DeepClone(),
            name => main["variables"]![name]?.DeepClone(),
            module => ModuleOutputs.TryGetValue(module, out var outputs) ? (JsonObject)outputs.DeepClone()
                : throw new KeyNotFoundException($"No sample outputs for module {module}."));

        var module = main.Module("functionapp");
        var inner = new ArmEvaluator(
            name => module.Parameter(name) is var value && module["properties"]!["parameters"]![name] is JsonObject
                ? outer.Evaluate(value)
                : outer.Evaluate(value)!["value"]?.DeepClone(),
            name => module.InnerTemplate()["variables"]![name]?.DeepClone());

        return Arm.AppSettings(module.InnerTemplate().Single("Microsoft.Web/sites")).ToDictionary(
            pair => pair.Key,
            pair => Resolve(inner.Evaluate(JsonValue.Create(pair.Value))?.ToString() ?? ""),
            StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>App Service resolves a Key Vault reference whose secret exists; any other reaches the app as its text.</summary>
    private static string Resolve(string value)
    {
        var match = System.Text.RegularExpressions.Regex.Match(value, @"^@Microsoft\.KeyVault\(VaultName=[^;]+;SecretName=(?<name>[^)]+)\)$");
        return match.Success && StoredSecrets.Contains(match.Groups["name"].Value) ? $"stored-value-of-{match.Groups["name"].Value}" : value;
    }

    private static JsonObject Outputs(params (string Name, string Value)[] outputs)
    {
        var result = new JsonObject();
        foreach (var (name, value) in outputs) result[name] = new JsonObject { ["value"] = value };
        return result;
    }
}

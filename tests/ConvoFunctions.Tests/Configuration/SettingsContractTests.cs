using System.Reflection;
using System.Text.Json;
using ConvoFunctions.Configuration;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Tests.Configuration;

/// <summary>Setting names are a contract with scripts and the Bicep: the sample file and the code must agree.</summary>
public sealed class SettingsContractTests
{
    // Read by the Functions host itself, not by our code.
    private static readonly string[] HostSettings = ["FUNCTIONS_WORKER_RUNTIME"];

    internal static IEnumerable<string> AllSettingKeys() =>
        typeof(SettingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && !f.Name.EndsWith("Section", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!);

    [Fact]
    public void Sample_settings_list_exactly_the_settings_the_app_reads()
    {
        var sample = RepoFile("local.settings.sample.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(sample));
        var keys = doc.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet();

        var expected = AllSettingKeys().Select(SettingNames.ToEnvironmentForm).Concat(HostSettings).ToHashSet();

        Assert.Equal(expected.Order(), keys.Order());
    }

    public static TheoryData<string, Type> OptionsSections() => new()
    {
        { SettingNames.ElevenLabsSection, typeof(global::ConvoFunctions.ElevenLabs.ElevenLabsOptions) },
        { SettingNames.WebhooksSection, typeof(global::ConvoFunctions.Webhooks.WebhookOptions) },
        { SettingNames.InitiationSection, typeof(global::ConvoFunctions.Initiation.InitiationOptions) },
        { SettingNames.DetectionSection, typeof(global::ConvoFunctions.Detection.DetectionOptions) },
        { SettingNames.AlertsSection, typeof(global::ConvoFunctions.Alerts.AlertOptions) },
        { SettingNames.TwilioSection, typeof(global::ConvoFunctions.Telephony.TwilioOptions) },
    };

    [Theory]
    [MemberData(nameof(OptionsSections))]
    public void Every_bound_option_has_a_setting_name(string section, Type options)
    {
        var known = AllSettingKeys().ToHashSet();

        var bound = BoundKeys(section, options).ToList();

        Assert.NotEmpty(bound);
        Assert.All(bound, key => Assert.Contains(key, known));
    }

    // What ConfigurationBinder reads: public settable properties, nested option classes by their property name.
    private static IEnumerable<string> BoundKeys(string prefix, Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .SelectMany(p => p.PropertyType.IsClass && p.PropertyType != typeof(string) && p.PropertyType != typeof(Uri)
                ? BoundKeys($"{prefix}:{p.Name}", p.PropertyType)
                : [$"{prefix}:{p.Name}"]);

    [Fact]
    public void Missing_webhook_secret_fails_at_start_up_and_names_the_setting()
    {
        using var services = TestServices.Create("UseDevelopmentStorage=true", settings: new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsWebhookSecret] = "",
        });

        var error = Assert.Throws<OptionsValidationException>(() =>
            services.GetRequiredService<IOptions<ElevenLabs.ElevenLabsOptions>>().Value);
        // The app-setting form: what a person edits in Azure or local.settings.json.
        Assert.Contains(SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsWebhookSecret), error.Message);
    }

    [Fact]
    public void Unresolved_key_vault_reference_is_never_used_as_a_secret()
    {
        const string reference = "@Microsoft.KeyVault(VaultName=kv-convo;SecretName=elevenlabs-webhook-secret)";
        using var current = TestServices.Create("UseDevelopmentStorage=true", settings: new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsWebhookSecret] = reference,
        });
        using var previous = TestServices.Create("UseDevelopmentStorage=true", settings: new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsPreviousWebhookSecret] = reference,
        });

        var error = Assert.Throws<OptionsValidationException>(() =>
            current.GetRequiredService<IOptions<ElevenLabs.ElevenLabsOptions>>().Value);
        Assert.Contains("unresolved Key Vault reference", error.Message);
        Assert.Equal([TestServices.Secret], previous.GetRequiredService<IOptions<ElevenLabs.ElevenLabsOptions>>().Value.WebhookSecrets());
    }

    [Fact]
    public void Host_json_uses_the_queue_encoding_the_ingest_writes()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoFile("host.json")));
        var queues = doc.RootElement.GetProperty("extensions").GetProperty("queues");

        // WebhookStore writes base64 (StorageAccount's QueueClientOptions); the trigger must decode the same way.
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
    }

    internal static string RepoFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, name);
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "ConvoFunctions.sln"))) return candidate;
        }
        throw new FileNotFoundException(name);
    }
}

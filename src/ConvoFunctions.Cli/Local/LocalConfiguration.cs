using System.Text.Json;
using ConvoFunctions.Configuration;
using Microsoft.Extensions.Configuration;

namespace ConvoFunctions.Cli.Local;

/// <summary>
/// Settings for local runs, from the same names the Functions app reads: embedded defaults, then
/// <c>local.settings.json</c> ("Values", as Core Tools reads it), then environment variables.
/// </summary>
internal static class LocalConfiguration
{
    /// <summary>
    /// A placeholder so that <c>convo serve</c> and <c>convo send</c> work together out of the box.
    /// It is published here, so it protects nothing: set <c>ElevenLabs__WebhookSecret</c> for real traffic.
    /// </summary>
    public const string DevelopmentWebhookSecret = "wsec_local_development_only";

    /// <summary>The same kind of placeholder for the initiation route's shared secret (<c>X-Initiation-Secret</c>).</summary>
    public const string DevelopmentInitiationSecret = "isec_local_development_only";

    public const string DefaultSettingsFile = "local.settings.json";

    public static IConfigurationBuilder AddLocalSettings(this IConfigurationBuilder builder, string settingsFile)
    {
        builder.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsWebhookSecret] = DevelopmentWebhookSecret,
            [SettingNames.ElevenLabsInitiationSecret] = DevelopmentInitiationSecret,
        });
        if (File.Exists(settingsFile)) builder.AddInMemoryCollection(ReadValues(settingsFile));
        return builder.AddEnvironmentVariables();
    }

    public static IConfiguration Build(string settingsFile) =>
        new ConfigurationBuilder().AddLocalSettings(settingsFile).Build();

    public static bool UsesDevelopmentSecret(IConfiguration configuration) =>
        configuration[SettingNames.ElevenLabsWebhookSecret] == DevelopmentWebhookSecret;

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            // The position only: the parser's message may quote the text around it, which can be a secret.
            throw new SettingException(
                $"{path} is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}); it should look like local.settings.sample.json.");
        }
    }

    private static Dictionary<string, string?> ReadValues(string path)
    {
        using var document = Parse(path);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document.RootElement.TryGetProperty("Values", out var section))
        {
            foreach (var property in section.EnumerateObject())
            {
                // Same rule as environment variables: '__' is the section separator.
                values[property.Name.Replace("__", ":", StringComparison.Ordinal)] =
                    property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            }
        }
        return values;
    }
}

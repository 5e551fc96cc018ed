using System.Text.Json;
using System.Text.Json.Nodes;

namespace ConvoFunctions.Infra.Tests;

/// <summary>
/// local.settings.sample.json, the Bicep app settings and SettingNames.cs describe the same settings: a setting
/// added in one place and forgotten in another fails here instead of at run time in Azure.
/// </summary>
public class SampleSettingsTests
{
    [Fact]
    public async Task Sample_ListsEverySettingTheBicepSets()
    {
        var sample = SampleKeys();
        var deployed = await TemplateTests.AppSettingsAsync();
        Assert.All(deployed.Keys.Where(Contract.SettingKeys.Contains), name =>
            Assert.True(sample.Contains(name), $"{name} is set in Azure but missing from local.settings.sample.json."));

        // Locally the storage connection is a connection string (Azurite); in Azure its identity-based sub-keys.
        if (deployed.Keys.Any(TemplateTests.IsStorageSubKey))
        {
            Assert.Contains(Contract.Env(ConvoFunctions.Configuration.SettingNames.Storage), sample);
        }
    }

    [Fact]
    public void Sample_NamesOnlySettingsTheCodeReads()
    {
        Assert.All(SampleKeys(), name => Assert.True(
            Contract.SettingKeys.Contains(name) || Contract.LocalPlatformSettings.Contains(name) || TemplateTests.IsStorageSubKey(name),
            $"local.settings.sample.json has {name}, which is not in SettingNames.cs."));
    }

    [Fact]
    public async Task EverySetting_IsSetInAzureOrShownInTheSample()
    {
        var sample = SampleKeys();
        var deployed = await TemplateTests.AppSettingsAsync();
        Assert.All(Contract.SettingKeys, name => Assert.True(
            sample.Contains(name) || deployed.ContainsKey(name),
            $"{name} (SettingNames.cs) is neither set by the Bicep nor shown in local.settings.sample.json."));
    }

    [Fact]
    public async Task DetectionSchedule_DefaultsToTheSampleValue()
    {
        var name = Contract.Env(ConvoFunctions.Configuration.SettingNames.DetectionSchedule);
        var sample = (string?)SampleValues()[name];
        var main = await Bicep.CompiledMainAsync();
        Assert.Equal(sample, (string?)main["parameters"]!["detectionSchedule"]!["defaultValue"]);
        Assert.Equal("[parameters('detectionSchedule')]", (await TemplateTests.AppSettingsAsync())[name]);
    }

    private static HashSet<string> SampleKeys() => SampleValues().Select(pair => pair.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static JsonObject SampleValues()
    {
        var path = Path.Combine(Bicep.RepoRoot, "local.settings.sample.json");
        Assert.True(File.Exists(path), $"{path} does not exist.");
        var sample = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        return sample?["Values"] as JsonObject ?? throw new JsonException("local.settings.sample.json has no Values object.");
    }
}

using ConvoFunctions.Configuration;

namespace ConvoFunctions.Infra.Tests;

/// <summary>The call-start route's settings as deployed (issue 12).</summary>
public class InitiationTemplateTests
{
    [Fact]
    public async Task AppSettings_ConfigureTheInitiationRouteFromParametersAndKeyVault()
    {
        var settings = await TemplateTests.AppSettingsAsync();

        var secret = settings[Contract.Env(SettingNames.ElevenLabsInitiationSecret)];
        Assert.StartsWith("[format('@Microsoft.KeyVault(VaultName={0};SecretName={1})'", secret, StringComparison.Ordinal);
        Assert.Contains("elevenLabsInitiationSecret", secret, StringComparison.Ordinal);
        Assert.Equal("[parameters('initiationUpstreamUrl')]", settings[Contract.Env(SettingNames.InitiationUpstreamUrl)]);
        Assert.Equal("[parameters('initiationDefaultDynamicVariables')]", settings[Contract.Env(SettingNames.InitiationDefaultDynamicVariables)]);
        // The upstream's credentials are referenced only in proxy mode: otherwise an absent secret would log an error.
        var headers = settings[Contract.Env(SettingNames.InitiationUpstreamHeaders)];
        Assert.StartsWith("[if(empty(parameters('initiationUpstreamUrl')), '',", headers, StringComparison.Ordinal);
        Assert.Contains("initiationUpstreamHeaders", headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultDynamicVariables_DefaultToTheSampleValue()
    {
        var main = await Bicep.CompiledMainAsync();
        Assert.Equal("{}", (string?)main["parameters"]!["initiationDefaultDynamicVariables"]!["defaultValue"]);
    }
}

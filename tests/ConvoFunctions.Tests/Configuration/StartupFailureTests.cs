using ConvoFunctions.Configuration;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Tests.Configuration;

/// <summary>Only what makes the app useless stops it, and the failure names the app setting to fix.</summary>
public sealed class StartupFailureTests
{
    [Theory]
    [InlineData(SettingNames.ElevenLabsWebhookSecret, "")]
    [InlineData(SettingNames.ElevenLabsWebhookSecret, "@Microsoft.KeyVault(VaultName=kv;SecretName=elevenlabs-webhook-secret)")]
    [InlineData(SettingNames.DetectionLookBack, "99.00:00:00")]
    [InlineData(SettingNames.WebhooksMaxBodyBytes, "12")]
    [InlineData(SettingNames.RetentionDays, "0")]
    public void An_invalid_setting_fails_start_up_naming_it(string setting, string value)
    {
        using var services = TestServices.Create("UseDevelopmentStorage=true", settings: new Dictionary<string, string?> { [setting] = value });

        // One OptionsValidationException, or several in an AggregateException.
        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.True(error is OptionsValidationException or AggregateException, error.GetType().Name);

        Assert.Contains(SettingNames.ToEnvironmentForm(setting) + ":", error.Message, StringComparison.Ordinal);
    }
}

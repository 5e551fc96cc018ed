using System.Text;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Detection;
using ConvoFunctions.Telephony;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConvoFunctions.Tests.Telephony;

/// <summary>
/// Twilio evidence is an optional feature of the app: without its settings everything runs as before and one line says
/// it is off; a partial or unusable set turns it off with one line naming the setting; the secret reaches no log.
/// </summary>
public sealed class TwilioSettingsTests
{
    private const string Secret = "twilio_settings_test_secret_31f0";

    private static ServiceProvider App(IDictionary<string, string?> settings) => TestServices.Create("UseDevelopmentStorage=true", settings: settings);

    private static async Task<IReadOnlyCollection<string>> StartUpLinesAsync(ServiceProvider services)
    {
        foreach (var check in services.GetServices<IHostedService>().Where(s => s is TelephonyStartupCheck or OptionalSettingsCheck))
        {
            await check.StartAsync(CancellationToken.None);
        }
        return services.GetRequiredService<TestLog>().Lines;
    }

    [Fact]
    public async Task Without_twilio_settings_the_feature_is_off_with_one_line_and_no_problem()
    {
        await using var services = App(new Dictionary<string, string?>());

        var lines = await StartUpLinesAsync(services);

        Assert.Single(lines, l => l.Contains("Twilio", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Information: Telephony evidence from Twilio: off; set Twilio__AccountSid, Twilio__ApiKeySid and Twilio__ApiKeySecret", StringComparison.Ordinal));
        Assert.DoesNotContain(services.GetRequiredService<OptionalSettingsCheck>().Problems(), p => p.Setting.StartsWith("Twilio:", StringComparison.Ordinal));
        Assert.False(services.GetRequiredService<TelephonyEvidenceReader>().TwilioEnabled);
    }

    [Theory]
    [InlineData(SettingNames.TwilioApiKeySecret, "", SettingNames.TwilioApiKeySecret, "is empty")]
    [InlineData(SettingNames.TwilioApiKeySecret, "@Microsoft.KeyVault(VaultName=kv;SecretName=twilio-api-key-secret)", SettingNames.TwilioApiKeySecret, "unresolved Key Vault reference")]
    [InlineData(SettingNames.TwilioMaxConcurrency, "two", SettingNames.TwilioMaxConcurrency, "whole number")]
    [InlineData(SettingNames.TwilioBaseUrl, "api.twilio.com", SettingNames.TwilioBaseUrl, "absolute URL")]
    public async Task A_partial_or_unusable_set_turns_the_feature_off_with_one_line_naming_the_setting(string setting, string value, string named, string fix)
    {
        var settings = Complete();
        settings[setting] = value;
        await using var services = App(settings);

        var lines = await StartUpLinesAsync(services);

        var line = Assert.Single(lines, l => l.Contains("Twilio", StringComparison.Ordinal));
        Assert.StartsWith($"Critical: SETTING TO FIX: {TwilioOptions.Feature} is off because {SettingNames.ToEnvironmentForm(named)} ", line);
        Assert.Contains(fix, line);
        Assert.False(services.GetRequiredService<TelephonyEvidenceReader>().TwilioEnabled);
    }

    [Fact]
    public async Task The_app_reads_twilio_evidence_and_no_log_line_holds_the_secret()
    {
        await using var api = await ElevenLabsStandIn.StartAsync(Samples.ApiKey);
        api.Twilio.ApiKeySecret = Secret;
        var settings = Complete();
        settings[SettingNames.TwilioAccountSid] = api.Twilio.AccountSid;
        settings[SettingNames.TwilioApiKeySid] = api.Twilio.ApiKeySid;
        settings[SettingNames.TwilioBaseUrl] = api.BaseAddress.ToString();
        settings[SettingNames.ElevenLabsApiKey] = Samples.ApiKey;
        settings[SettingNames.ElevenLabsBaseUrl] = api.BaseAddress.ToString();
        var sid = Samples.Real.CallSid!;
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        api.Twilio.AddCall(api.Twilio.Call(sid, "inbound", "+447700900123", "+442079460000", start, start.AddMinutes(2)));
        api.Twilio.AddEvents(sid, api.Twilio.Request(start, "https://api.us.elevenlabs.io/twilio/inbound_call", 200, 120));
        await using var services = App(settings);
        var lines = await StartUpLinesAsync(services);
        Assert.Contains(lines, l => l.Contains("Telephony evidence from Twilio: on", StringComparison.Ordinal));

        var evidence = await services.GetRequiredService<TelephonyEvidenceReader>()
            .ReadAsync(new DuplicateGroup(sid, false, [Samples.Blank, Samples.Real]), CancellationToken.None);

        var call = Assert.Single(evidence.Twilio);
        Assert.Single(call.Events!);
        var log = string.Join("\n", services.GetRequiredService<TestLog>().Lines);
        Assert.Contains("/2010-04-01/Accounts/", log); // the HTTP client logged its requests
        Assert.DoesNotContain(Secret, log);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(api.Twilio.ApiKeySid + ":" + Secret)), log);
    }

    private static Dictionary<string, string?> Complete() => new()
    {
        [SettingNames.TwilioAccountSid] = "AC" + new string('5', 32),
        [SettingNames.TwilioApiKeySid] = "SK" + new string('7', 32),
        [SettingNames.TwilioApiKeySecret] = Secret,
    };
}

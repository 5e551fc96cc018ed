using System.Net;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Tests.Configuration;

/// <summary>
/// The app as a default <c>azd up</c> leaves it: email endpoint and sender from Communication Services but no
/// recipients, and Key Vault references whose secrets were never stored. The optional parts turn themselves off,
/// each with one Critical line naming its setting, and the webhook endpoint answers.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DefaultDeploymentStartTests(AzuriteFixture azurite)
{
    private static string Reference(string secret) => $"@Microsoft.KeyVault(VaultName=kv-test;SecretName={secret})";

    [Fact]
    public async Task Default_deployment_settings_start_the_app_and_name_each_setting_to_fix_once()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsWebhookSecret] = TestServices.Secret,
            [SettingNames.ElevenLabsApiKey] = Reference("elevenlabs-api-key"),
            [SettingNames.ElevenLabsPreviousWebhookSecret] = Reference("elevenlabs-previous-webhook-secret"),
            [SettingNames.AlertsTeamsWebhookUrl] = Reference("teams-webhook-url"),
            [SettingNames.AlertsEmailEndpoint] = "https://acs-convo-test.europe.communication.azure.com/",
            [SettingNames.AlertsEmailSender] = "DoNotReply@0000-test.azurecomm.net",
            [SettingNames.AlertsEmailRecipients] = "",
            [SettingNames.DetectionSchedule] = "0 */5 * * * *",
        }).Build();
        var log = new TestLog();
        await using var app = LocalFunctionsHost.Build(settings, azurite.ConnectionString, new Uri("http://127.0.0.1:0"), LogLevel.Information, pollQueue: false);
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        await LocalFunctionsHost.EnsureStorageAsync(app, CancellationToken.None);
        await app.StartAsync();
        var url = new Uri($"{app.Urls.First()}/api/webhooks/elevenlabs");

        var accepted = await PostAsync(url, TestServices.Secret);
        // The unresolved previous secret is text anyone can read in the template: it must not verify anything.
        var guessed = await PostAsync(url, Reference("elevenlabs-previous-webhook-secret"));
        await app.StopAsync();

        Assert.Equal(HttpStatusCode.OK, accepted);
        Assert.Equal(HttpStatusCode.Unauthorized, guessed);
        foreach (var setting in new[]
                 {
                     SettingNames.AlertsEmailRecipients, SettingNames.AlertsTeamsWebhookUrl,
                     SettingNames.ElevenLabsPreviousWebhookSecret, SettingNames.ElevenLabsApiKey,
                 })
        {
            var name = SettingNames.ToEnvironmentForm(setting);
            var line = Assert.Single(log.Lines, l => l.Contains(name, StringComparison.Ordinal));
            Assert.StartsWith("Critical:", line, StringComparison.Ordinal);
        }
        // Settings that are fine are not mentioned.
        Assert.DoesNotContain(log.Lines, l => l.Contains(SettingNames.ToEnvironmentForm(SettingNames.AlertsEmailSender), StringComparison.Ordinal));
    }

    private static async Task<HttpStatusCode> PostAsync(Uri url, string secret)
    {
        var body = Fixtures.Bytes(Fixtures.InitiationFailure);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation(SignatureHeader.Name, WebhookSigner.Sign(body, secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}

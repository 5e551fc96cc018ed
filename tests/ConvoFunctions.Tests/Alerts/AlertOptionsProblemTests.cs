using ConvoFunctions.Alerts;
using ConvoFunctions.Configuration;

namespace ConvoFunctions.Tests.Alerts;

/// <summary>Which setting an incomplete alert channel names (one per channel), and that it is then off.</summary>
public sealed class AlertOptionsProblemTests
{
    private const string Endpoint = "https://acs-x.europe.communication.azure.com";
    private const string Sender = "DoNotReply@x.azurecomm.net";
    private const string Unresolved = "@Microsoft.KeyVault(VaultName=kv;SecretName=s)";

    [Theory]
    [InlineData(null, null, null, null)]
    [InlineData(Endpoint, Sender, "ops@example.com", null)]
    [InlineData(Endpoint, Sender, "", SettingNames.AlertsEmailRecipients)]
    [InlineData(Endpoint, "", "ops@example.com", SettingNames.AlertsEmailSender)]
    [InlineData("", Sender, "ops@example.com", SettingNames.AlertsEmailEndpoint)]
    [InlineData("not a url", Sender, "ops@example.com", SettingNames.AlertsEmailEndpoint)]
    [InlineData(Unresolved, Sender, "ops@example.com", SettingNames.AlertsEmailEndpoint)]
    public void Email_names_the_first_setting_to_fix(string? endpoint, string? sender, string? recipients, string? expected)
    {
        var options = new AlertOptions { Email = new EmailAlertOptions { Endpoint = endpoint, Sender = sender, Recipients = recipients } };

        var problem = Assert.Single(options.Problems().DefaultIfEmpty());
        Assert.Equal(expected, problem?.Setting);
        Assert.Equal(expected is null && endpoint is not null, options.Email.IsEnabled);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("https://prod-00.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=abc", null)]
    [InlineData(Unresolved, SettingNames.AlertsTeamsWebhookUrl)]
    [InlineData("not a url", SettingNames.AlertsTeamsWebhookUrl)]
    public void Teams_names_its_url_when_set_but_unusable_and_never_echoes_it(string url, string? expected)
    {
        var options = new AlertOptions { Teams = new TeamsAlertOptions { WebhookUrl = url } };

        var problem = Assert.Single(options.Problems().DefaultIfEmpty());
        Assert.Equal(expected, problem?.Setting);
        Assert.Equal(expected is null && url.Length > 0, options.Teams.IsEnabled);
        if (problem is not null) Assert.DoesNotContain(url, problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dashboard_url_without_the_placeholder_falls_back_to_the_default()
    {
        var options = new AlertOptions { DashboardUrl = "https://example.com/history" };

        Assert.Equal(SettingNames.AlertsDashboardUrl, Assert.Single(options.Problems()).Setting);
        Assert.Equal("https://elevenlabs.io/app/agents/history/conv_1", options.ConversationUrl("conv_1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    public void An_empty_dashboard_url_is_the_default_without_a_problem(string? url)
    {
        var options = new AlertOptions { DashboardUrl = url };

        Assert.Empty(options.Problems());
        Assert.Equal("https://elevenlabs.io/app/agents/history/conv_1", options.ConversationUrl("conv_1"));
    }
}

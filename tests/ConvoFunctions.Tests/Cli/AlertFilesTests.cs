using ConvoFunctions.Alerts;
using ConvoFunctions.Cli;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConvoFunctions.Tests.Cli;

/// <summary>When <c>convo serve</c> writes alert files, and what a written alert looks like on disk.</summary>
public sealed class AlertFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("convo-alert-files-").FullName;

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("https://prod-00.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=s", null, false)]
    [InlineData(null, "https://acs-x.communication.azure.com", false)]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/teams-webhook-url/)", null, true)]
    public void Files_are_written_only_when_neither_Teams_nor_email_is_configured(string? teams, string? email, bool expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alerts:Teams:WebhookUrl"] = teams,
            ["Alerts:Email:Endpoint"] = email,
            ["Alerts:Email:Sender"] = email is null ? null : "DoNotReply@example.test",
            ["Alerts:Email:Recipients"] = email is null ? null : "ops@example.test",
        }).Build();

        Assert.Equal(expected, ServeCommand.WritesAlertFiles(configuration));
    }

    [Fact]
    public async Task A_test_alert_is_written_as_the_four_files_under_a_folder_named_for_its_key()
    {
        var channel = new AlertFileChannel(_folder, NullLogger<AlertFileChannel>.Instance);
        var alert = AlertFactory.ForTest(DateTimeOffset.FromUnixTimeSeconds(1795874602)) with { Key = "twilio:CA<x>" };

        await channel.SendAsync(alert, CancellationToken.None);

        var target = Path.Combine(_folder, "twilio_CA_x_");
        Assert.Equal(target, channel.FolderOf(alert.Key));
        Assert.Equal(
            [AlertFileChannel.EmailHtmlFile, AlertFileChannel.EmailTextFile, AlertFileChannel.SupportReportFile, AlertFileChannel.TeamsMessageFile],
            Directory.GetFiles(target).Select(Path.GetFileName).Order());
        Assert.StartsWith("[ConvoFunctions] TEST:", await File.ReadAllTextAsync(Path.Combine(target, AlertFileChannel.EmailTextFile)), StringComparison.Ordinal);
        Assert.Equal(alert.SupportReport, await File.ReadAllTextAsync(Path.Combine(target, AlertFileChannel.SupportReportFile)));
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}

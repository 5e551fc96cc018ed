using System.CommandLine;
using ConvoFunctions.Alerts;
using ConvoFunctions.Cli.Alerts;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Detection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace ConvoFunctions.Cli;

/// <summary><c>convo test-alert</c>: one marked test alert through every configured channel. Exit 0 only when each accepted it.</summary>
internal static class TestAlertCommand
{
    public const int NotAccepted = 1;
    public const int NothingConfigured = 2;

    public static Command Create()
    {
        var settings = new Option<string>("--settings")
        {
            Description = "local.settings.json to read (its \"Values\"); environment variables win over it. Same settings as the app.",
            DefaultValueFactory = _ => LocalConfiguration.DefaultSettingsFile,
        };
        var wait = new Option<int>("--email-wait")
        {
            Description = "Seconds to wait for the ACS email operation's final status.",
            DefaultValueFactory = _ => 60,
        };
        var command = new Command("test-alert", "Send one clearly marked test alert through every configured channel (Teams, email) and print whether each accepted it.")
        {
            settings, wait,
        };
        command.SetAction((result, ct) => RunAsync(result.GetValue(settings)!, TimeSpan.FromSeconds(Math.Max(0, result.GetValue(wait))), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(string settingsFile, TimeSpan emailWait, TextWriter output, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(settingsFile);
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.TryAddSingleton(TimeProvider.System);
        // The app's own registrations: the same options, channels, typed clients and Entra ID credential.
        services.AddAlerts(configuration);
        services.AddTransient<AlertChannelCheck>();
        await using var provider = services.BuildServiceProvider();
        var check = provider.GetRequiredService<AlertChannelCheck>();

        if (!check.AnyConfigured)
        {
            await output.WriteLineAsync($"No alert channel is configured: set {SettingNames.ToEnvironmentForm(SettingNames.AlertsTeamsWebhookUrl)} " +
                $"and/or {SettingNames.ToEnvironmentForm(SettingNames.AlertsEmailEndpoint)}, {SettingNames.ToEnvironmentForm(SettingNames.AlertsEmailSender)} " +
                $"and {SettingNames.ToEnvironmentForm(SettingNames.AlertsEmailRecipients)} (environment or {settingsFile}).");
            return NothingConfigured;
        }

        var results = await check.RunAsync(emailWait, cancellationToken);
        var table = new Table().Border(TableBorder.Rounded).AddColumn("channel").AddColumn("result").AddColumn("detail");
        foreach (var r in results)
        {
            // Text cells, not markup: the detail quotes answers from outside.
            table.AddRow(new Text(r.Channel), new Text(r.Accepted ? "OK" : "FAIL", new Style(r.Accepted ? Color.Green : Color.Red)), new Text(r.Detail));
        }
        CliConsole.For(output).Write(table);
        return results.All(r => r.Accepted) ? 0 : NotAccepted;
    }
}

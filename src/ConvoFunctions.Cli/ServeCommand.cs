using System.CommandLine;
using ConvoFunctions.App;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace ConvoFunctions.Cli;

internal static class ServeCommand
{
    public static Command Create()
    {
        var storage = new Option<string?>("--storage")
        {
            Description = "Storage connection string to use instead of starting Azurite.",
        };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1.", DefaultValueFactory = _ => 7071 };
        var settings = new Option<string>("--settings")
        {
            Description = "local.settings.json to read (its \"Values\"); environment variables win over it.",
            DefaultValueFactory = _ => LocalConfiguration.DefaultSettingsFile,
        };
        var data = new Option<string>("--data")
        {
            Description = "Folder where the started Azurite keeps its data.",
            DefaultValueFactory = _ => ".azurite",
        };

        var sweepSchedule = new Option<string?>("--sweep-schedule")
        {
            Description = "NCRONTAB (with seconds) for the duplicate sweep instead of Detection__Schedule, e.g. '*/10 * * * * *'.",
        };

        var command = new Command("serve", "Run the Functions app's functions on http://127.0.0.1:7071 without Core Tools.")
        {
            storage, port, settings, data, sweepSchedule,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(storage), result.GetValue(port), result.GetValue(settings)!, result.GetValue(data)!,
            result.GetValue(sweepSchedule), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? storage, int port, string settingsFile, string dataFolder, string? sweepSchedule, CancellationToken cancellationToken)
    {
        var configurationBuilder = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddLocalSettings(settingsFile);
        if (sweepSchedule is not null)
        {
            Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(configurationBuilder,
                new Dictionary<string, string?> { [ConvoFunctions.Configuration.SettingNames.DetectionSchedule] = sweepSchedule });
        }
        var configuration = configurationBuilder.Build();
        await using var azurite = storage is null
            ? await AzuriteProcess.StartAsync(Path.GetFullPath(dataFolder), cancellationToken: cancellationToken)
            : null;
        var connectionString = storage ?? azurite!.ConnectionString;

        var url = new Uri($"http://127.0.0.1:{port}");
        await using var app = LocalFunctionsHost.Build(configuration, connectionString, url);
        await LocalFunctionsHost.EnsureStorageAsync(app, cancellationToken);
        await app.StartAsync(cancellationToken);

        Console.WriteLine($"Webhook URL:  {url}{Routes.Prefix}/{Routes.ElevenLabsWebhook}");
        Console.WriteLine(string.IsNullOrWhiteSpace(configuration[SettingNames.ElevenLabsInitiationSecret])
            ? "Initiation:   off (no ElevenLabs__InitiationSecret)"
            : $"Initiation:   {url}{Routes.Prefix}/{Routes.ElevenLabsInitiation} (header {ConvoFunctions.Initiation.InitiationSettings.SecretHeader})");
        Console.WriteLine(azurite is null
            ? "Storage:      the account given with --storage"
            : $"Storage:      Azurite (blob {azurite.Ports.Blob}, queue {azurite.Ports.Queue}, table {azurite.Ports.Table}), data in {azurite.Location}");
        // Azurite's well-known development account: not a secret, and what 'convo replay --storage' needs.
        if (azurite is not null) Console.WriteLine($"Replay:       convo replay --storage \"{azurite.ConnectionString}\"");
        if (LocalConfiguration.UsesDevelopmentSecret(configuration))
        {
            Console.WriteLine("Secret:       the local development secret (convo send uses it too); set ElevenLabs__WebhookSecret for real webhooks");
        }
        Console.WriteLine(string.IsNullOrWhiteSpace(configuration[SettingNames.ElevenLabsApiKey])
            ? "Enrichment:   webhook-events -> tables, from webhook bodies (NO ElevenLabs__ApiKey set)"
            : $"Enrichment:   webhook-events -> tables, via {configuration[SettingNames.ElevenLabsBaseUrl] ?? ElevenLabs.ElevenLabsOptions.PublicApiBaseUrl}");
        Console.WriteLine($"Sweep:        {configuration[SettingNames.DetectionSchedule] ?? ConvoFunctions.Detection.DetectionOptions.DefaultSchedule} (UTC)");
        Console.WriteLine("Press Ctrl+C to stop.");

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}

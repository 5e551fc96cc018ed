using System.CommandLine;
using ConvoFunctions.App;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
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
        var data = new Option<string?>("--data")
        {
            Description = $"Folder where the started Azurite keeps its data (default {DefaultDataFolder}; with --demo, in memory).",
        };

        var sweepSchedule = new Option<string?>("--sweep-schedule")
        {
            Description = "NCRONTAB (with seconds) for the duplicate sweep instead of Detection__Schedule, e.g. '*/10 * * * * *'.",
        };

        var demo = new Option<bool>("--demo")
        {
            Description = "Show the whole pipeline with no Azure and no API key: a local ElevenLabs stand-in holding the samples' call " +
                "(a real conversation and a blank sibling that sends no webhook), a sweep every 5 s, alerts as files.",
        };
        var alerts = new Option<string>("--alerts")
        {
            Description = "Folder where alerts are written as files (Teams message, email, support report) when no Teams or email is configured.",
            DefaultValueFactory = _ => DefaultAlertsFolder,
        };

        var command = new Command("serve", "Run the Functions app's functions on http://127.0.0.1:7071 without Core Tools.")
        {
            storage, port, settings, data, sweepSchedule, demo, alerts,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(storage), result.GetValue(port), result.GetValue(settings)!, result.GetValue(data),
            result.GetValue(sweepSchedule), result.GetValue(demo), result.GetValue(alerts)!, cancellationToken));
        return command;
    }

    public const string DefaultAlertsFolder = ".convo/alerts";
    public const string DefaultDataFolder = ".azurite";

    /// <summary>The demo's sweep: every 5 s, no settle delay (the stand-in's call has ended), a day back.</summary>
    public const string DemoSchedule = "*/5 * * * * *";

    private static async Task<int> RunAsync(string? storage, int port, string settingsFile, string? dataFolder, string? sweepSchedule,
        bool demo, string alertsFolder, CancellationToken cancellationToken)
    {
        await using var standIn = demo ? await ElevenLabsStandIn.StartAsync(DemoApiKey, cancellationToken: cancellationToken) : null;
        var overrides = new Dictionary<string, string?>();
        if (standIn is not null)
        {
            foreach (var conversation in DemoSamples.Conversations(DateTimeOffset.UtcNow)) standIn.Add(conversation);
            foreach (var (name, value) in DemoSettings(standIn.BaseAddress)) overrides[name] = value;
        }
        if (sweepSchedule is not null) overrides[SettingNames.DetectionSchedule] = sweepSchedule;
        var configuration = new ConfigurationBuilder().AddLocalSettings(settingsFile).AddInMemoryCollection(overrides).Build();

        var writeAlertFiles = WritesAlertFiles(configuration);

        // The demo starts from nothing each time: kept data would hold its earlier alert, and an alert is raised once.
        dataFolder ??= demo ? null : DefaultDataFolder;
        await using var azurite = storage is null
            ? await AzuriteProcess.StartAsync(dataFolder is null ? null : Path.GetFullPath(dataFolder), cancellationToken: cancellationToken)
            : null;
        var connectionString = storage ?? azurite!.ConnectionString;

        var url = new Uri($"http://127.0.0.1:{port}");
        await using var app = LocalFunctionsHost.Build(configuration, connectionString, url,
            configure: writeAlertFiles ? services => services.AddAlertFiles(alertsFolder) : null);
        await LocalFunctionsHost.EnsureStorageAsync(app, cancellationToken);
        await app.StartAsync(cancellationToken);

        Console.WriteLine($"Webhook URL:  {url}{Routes.Prefix}/{Routes.ElevenLabsWebhook}");
        Console.WriteLine(string.IsNullOrWhiteSpace(configuration[SettingNames.ElevenLabsInitiationSecret])
            ? "Initiation:   off (no ElevenLabs__InitiationSecret)"
            : $"Initiation:   {url}{Routes.Prefix}/{Routes.ElevenLabsInitiation} (header {ConvoFunctions.Initiation.InitiationSettings.SecretHeader})");
        Console.WriteLine(azurite is null
            ? "Storage:      the account given with --storage"
            : $"Storage:      Azurite (blob {azurite.Ports.Blob}, queue {azurite.Ports.Queue}, table {azurite.Ports.Table}), data {(azurite.Location is null ? "in memory" : "in " + azurite.Location)}");
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
        if (writeAlertFiles)
        {
            Console.WriteLine($"Alerts:       no Teams or email configured: written as files under {Path.Combine(Path.GetFullPath(alertsFolder), "<call>")}");
        }
        if (standIn is not null)
        {
            Console.WriteLine($"Demo:         ElevenLabs stand-in at {standIn.BaseAddress} holds one call: {DemoSamples.RealConversationId} (real) and");
            Console.WriteLine($"              {DemoSamples.BlankConversationId} (blank, sends no webhook). Now run:");
            Console.WriteLine("              dotnet run --project src/ConvoFunctions.Cli -- send samples/post-call-transcription.json");
        }
        Console.WriteLine("Press Ctrl+C to stop.");

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>Alerts go to files when no one would otherwise see them: neither Teams nor email is configured.</summary>
    internal static bool WritesAlertFiles(IConfiguration configuration)
    {
        var alerts = configuration.GetSection(SettingNames.AlertsSection).Get<ConvoFunctions.Alerts.AlertOptions>() ?? new();
        return !alerts.Teams.IsEnabled && !alerts.Email.IsEnabled;
    }

    /// <summary>The stand-in's key: not a secret, it opens only the loopback stand-in.</summary>
    private const string DemoApiKey = "xi_local_demo_only";

    /// <summary>
    /// The demo wins over local settings: the real API client against the stand-in, a short sweep that also discovers
    /// the blank sibling, no webhook health check (the stand-in's conversations predate any webhook), and no Teams or
    /// email, so that a demo alert never reaches a real channel.
    /// </summary>
    private static Dictionary<string, string?> DemoSettings(Uri standIn) => new()
    {
        [SettingNames.ElevenLabsApiKey] = DemoApiKey,
        [SettingNames.ElevenLabsBaseUrl] = standIn.ToString(),
        [SettingNames.DetectionSchedule] = DemoSchedule,
        [SettingNames.DetectionSettleDelay] = "00:00:00",
        [SettingNames.DetectionLookBack] = "1.00:00:00",
        [SettingNames.DetectionDiscoveryEnabled] = "true",
        [SettingNames.DetectionWebhookHealthEnabled] = "false",
        [SettingNames.AlertsTeamsWebhookUrl] = "",
        [SettingNames.AlertsEmailEndpoint] = "",
    };
}

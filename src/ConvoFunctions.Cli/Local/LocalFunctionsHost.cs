using ConvoFunctions.Alerts;
using ConvoFunctions.App;
using ConvoFunctions.App.Initiation;
using ConvoFunctions.App.Webhooks;
using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Cli.Local;

/// <summary>
/// Runs the Functions app's own function classes on Kestrel, on the same routes as Azure, for machines without
/// Azure Functions Core Tools. The function classes are invoked exactly as the worker would invoke them: HTTP
/// routes by Kestrel, the <c>webhook-events</c> queue trigger by <see cref="QueuePoller"/>.
/// </summary>
internal static class LocalFunctionsHost
{
    /// <param name="configure">Services a caller adds or replaces after the app's own (alert files, test doubles).</param>
    public static WebApplication Build(
        IConfiguration settings, string storageConnectionString, Uri url, LogLevel logLevel = LogLevel.Information, bool pollQueue = true,
        Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SettingNames.Storage] = storageConnectionString,
        });
        builder.WebHost.UseUrls(url.ToString());
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        // The host logs a start failure with its stack trace before throwing it; convo reports the exception in one
        // line (with the trace under --verbose). Its background services here log their own failures.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        // The resilience pipeline logs every successful attempt at Information; retries and failures stay visible.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Services.AddMvcCore();
        builder.Services.AddConvoFunctions(builder.Configuration);
        if (pollQueue)
        {
            // The queue trigger's stand-in; a singleton too, so callers can read its counters.
            builder.Services.AddSingleton<QueuePoller>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<QueuePoller>());
            builder.Services.AddHostedService<CallCheckPoller>();
        }
        builder.Services.AddHostedService<LocalSweepTimer>();
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapPost($"/{Routes.Prefix}/{Routes.ElevenLabsWebhook}", RunWebhookAsync);
        app.MapPost($"/{Routes.Prefix}/{Routes.ElevenLabsInitiation}", RunInitiationAsync);
        return app;
    }

    /// <summary>Every alert is also written as files under <paramref name="folder"/> (<see cref="AlertFileChannel"/>).</summary>
    public static void AddAlertFiles(this IServiceCollection services, string folder)
    {
        services.AddSingleton(sp => new AlertFileChannel(folder, sp.GetRequiredService<ILogger<AlertFileChannel>>()));
        services.AddTransient<IAlertChannel>(sp => sp.GetRequiredService<AlertFileChannel>());
    }

    /// <summary>Creates the containers, queues and tables in the local account, as the Bicep does in Azure.</summary>
    public static Task EnsureStorageAsync(WebApplication app, CancellationToken cancellationToken) =>
        app.Services.GetRequiredService<StorageAccount>().EnsureCreatedAsync(cancellationToken);

    private static async Task RunWebhookAsync(HttpContext context)
    {
        var function = ActivatorUtilities.CreateInstance<ElevenLabsWebhookFunction>(context.RequestServices);
        await ExecuteAsync(context, await function.Run(context.Request, context.RequestAborted));
    }

    private static async Task RunInitiationAsync(HttpContext context)
    {
        var function = ActivatorUtilities.CreateInstance<ElevenLabsInitiationFunction>(context.RequestServices);
        await ExecuteAsync(context, await function.Run(context.Request, context.RequestAborted));
    }

    private static Task ExecuteAsync(HttpContext context, IActionResult result) =>
        result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
}

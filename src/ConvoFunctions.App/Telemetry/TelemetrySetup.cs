using System.Diagnostics;
using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using ConvoFunctions.Metrics;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace ConvoFunctions.App.Telemetry;

/// <summary>
/// OpenTelemetry for the worker (host.json <c>telemetryMode: OpenTelemetry</c>): the Functions worker's spans, outgoing
/// HTTP calls as dependencies, logs, and the app's own metrics (<see cref="MetricNames"/>, docs/operations.md). Outgoing URLs lose their query string before any exporter sees them: the
/// Teams Workflows URL carries its credential in <c>sig=</c>, and ACS and ElevenLabs need none of theirs recorded.
/// </summary>
internal static class TelemetrySetup
{
    /// <summary>System.Net.Http's own activity source and meter (.NET 9 and later): no instrumentation package needed.</summary>
    public const string HttpSource = "System.Net.Http";

    public static IOpenTelemetryBuilder AddConvoTelemetry(this IServiceCollection services) =>
        services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            // Added first, so it runs before every exporter's processor.
            .WithTracing(tracing => tracing.AddProcessor(new UrlQueryRemover()).AddSource(HttpSource))
            .WithMetrics(metrics => metrics.AddMeter(HttpSource, MetricNames.Meter))
            .WithLogging();

    /// <summary>
    /// Exports to Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, with an Entra ID token
    /// (local auth is off on the resource): the user-assigned identity (<c>AZURE_CLIENT_ID</c>) in Azure.
    /// </summary>
    public static void AddAzureMonitor(this IOpenTelemetryBuilder telemetry, IConfiguration configuration)
    {
        var connectionString = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        if (string.IsNullOrWhiteSpace(connectionString)) return;
        var clientId = configuration["AZURE_CLIENT_ID"];
        TokenCredential credential = string.IsNullOrEmpty(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        telemetry.UseAzureMonitorExporter(options =>
        {
            options.ConnectionString = connectionString;
            options.Credential = credential;
        });
    }
}

/// <summary>Strips the query string (and fragment) from the URL tags of every span when it ends, before export.</summary>
internal sealed class UrlQueryRemover : BaseProcessor<Activity>
{
    private static readonly string[] UrlTags = ["url.full", "http.url", "url.query"];

    public override void OnEnd(Activity data)
    {
        foreach (var tag in UrlTags)
        {
            if (data.GetTagItem(tag) is not string value) continue;
            data.SetTag(tag, tag == "url.query" ? null : WithoutQuery(value));
        }
    }

    internal static string WithoutQuery(string url)
    {
        var end = url.IndexOfAny(['?', '#']);
        return end < 0 ? url : url[..end];
    }
}

using System.Diagnostics;
using System.Net;
using ConvoFunctions.Alerts;
using ConvoFunctions.App.Telemetry;
using ConvoFunctions.Configuration;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;

namespace ConvoFunctions.Tests.Telemetry;

/// <summary>
/// The app's OpenTelemetry pipeline, exporting to memory instead of Azure Monitor: Teams posts (accepted, refused,
/// unreachable) leave spans and logs, and none of them holds the Workflows URL's <c>sig=</c>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TelemetrySecretTests(AzuriteFixture azurite)
{
    private const string Signature = "sIgNaTuRe0123456789abcdefSECRET";

    [Fact]
    public async Task A_Teams_post_leaves_no_sig_in_any_span_or_log()
    {
        var status = HttpStatusCode.Accepted;
        await using var teams = await LoopbackServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = (int)status;
            return Task.CompletedTask;
        });
        const string path = "workflows/0a1b2c/triggers/manual/paths/invoke";
        var url = new Uri(teams.BaseAddress, $"{path}?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={Signature}");

        var spans = new List<Activity>();
        var logs = new List<LogRecord>();
        await using var services = TestServices.Create(azurite.ConnectionString,
            settings: new Dictionary<string, string?> { [SettingNames.AlertsTeamsWebhookUrl] = url.ToString() },
            configure: s => s.AddConvoTelemetry()
                .WithTracing(t => t.AddInMemoryExporter(spans))
                .WithLogging(l => l.AddInMemoryExporter(logs), o => { o.IncludeFormattedMessage = true; o.IncludeScopes = true; }));
        var tracer = services.GetRequiredService<TracerProvider>();
        var dispatcher = services.GetRequiredService<AlertDispatcher>();
        var factory = services.GetRequiredService<AlertFactory>();

        // Accepted, refused, then a key whose channel fails because Teams is unreachable.
        var accepted = await dispatcher.RaiseAsync(Health(factory, "accepted"), false, CancellationToken.None);
        status = HttpStatusCode.InternalServerError;
        var refused = await dispatcher.RaiseAsync(Health(factory, "refused"), false, CancellationToken.None);
        await teams.DisposeAsync();
        var unreachable = await dispatcher.RaiseAsync(Health(factory, "unreachable"), false, CancellationToken.None);
        tracer.ForceFlush();
        services.GetRequiredService<LoggerProvider>().ForceFlush();
        // Activity listeners are process-wide: stop listening before reading, as other tests' HTTP calls go on.
        await services.DisposeAsync();

        Assert.Contains(TeamsChannel.ChannelName, accepted!.Sent);
        Assert.Contains(TeamsChannel.ChannelName, refused!.Failed);
        Assert.Contains(TeamsChannel.ChannelName, unreachable!.Failed);

        // The pipeline did record the Teams calls, with the URL cut before its query.
        var teamsSpans = spans.Where(s => s.Source.Name == TelemetrySetup.HttpSource && s.GetTagItem("url.full") is string full && full.Contains(path, StringComparison.Ordinal)).ToList();
        Assert.True(teamsSpans.Count >= 3, $"Expected a span per Teams post, got {teamsSpans.Count}.");
        Assert.All(teamsSpans, s => Assert.Equal(new Uri(teams.BaseAddress, path).ToString(), s.GetTagItem("url.full")));
        Assert.NotEmpty(logs);

        Assert.All(spans.SelectMany(SpanText), text => AssertNoSecret(text, "span"));
        Assert.All(logs.SelectMany(LogText), text => AssertNoSecret(text, "log"));
    }

    private static Alert Health(AlertFactory factory, string incident) =>
        factory.ForWebhookHealth($"health:test-{Guid.NewGuid():N}", incident, "Webhook check", "test", [], DateTimeOffset.UtcNow);

    private static void AssertNoSecret(string text, string where)
    {
        Assert.False(text.Contains(Signature, StringComparison.Ordinal), $"A {where} holds the signature: {text}");
        Assert.False(text.Contains("sig=", StringComparison.OrdinalIgnoreCase), $"A {where} holds a sig= parameter: {text}");
    }

    private static IEnumerable<string> SpanText(Activity span) =>
        new[] { span.DisplayName, span.OperationName, span.StatusDescription ?? "" }
            .Concat(span.TagObjects.Select(t => $"{t.Key}={t.Value}"))
            .Concat(span.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name} {t.Key}={t.Value}")));

    private static IEnumerable<string> LogText(LogRecord log)
    {
        yield return log.FormattedMessage ?? "";
        yield return log.Body ?? "";
        yield return log.Exception?.ToString() ?? "";
        foreach (var attribute in log.Attributes ?? []) yield return $"{attribute.Key}={attribute.Value}";
        var scopes = new List<string>();
        log.ForEachScope((scope, state) =>
        {
            foreach (var item in scope) state.Add($"{item.Key}={item.Value}");
        }, scopes);
        foreach (var scope in scopes) yield return scope;
    }
}

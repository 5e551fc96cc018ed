using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ConvoFunctions.App;
using ConvoFunctions.Benchmarks.Reliability;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Detection;
using ConvoFunctions.Metrics;
using ConvoFunctions.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Benchmarks;

/// <summary>
/// Time to alert on the local host (<c>convo serve</c>'s function host, Azurite, the ElevenLabs stand-in, a Teams
/// stand-in), with the production schedule and settle delay unless told otherwise: calls with a blank sibling end at
/// random moments over a spread of minutes, their two post-call webhooks are posted as they end, and the clock runs
/// until Teams receives each call's alert. Reported: webhook arrival → alert post (p50/p95/max), and the app's own
/// <c>convo.alerts.time_to_alert</c> (settled → post). Exit code 0 when every call was alerted exactly once.
/// </summary>
internal static class TimeToAlert
{
    private const string Secret = "wsec_time_to_alert";
    private const string ApiKey = "time-to-alert-key";
    private const int CallSeconds = 95;

    public static async Task<int> RunAsync(int calls, TimeSpan spread, string schedule, TimeSpan settleDelay)
    {
        var data = Directory.CreateTempSubdirectory("convo-time-to-alert-");
        var azurite = await AzuriteProcess.StartAsync(data.FullName);
        try
        {
            await using var api = await ElevenLabsStandIn.StartAsync(ApiKey);
            await using var teams = await TimedReceiver.StartAsync();
            await using var app = LocalFunctionsHost.Build(Settings(api.BaseAddress, teams.BaseAddress, schedule, settleDelay), azurite.ConnectionString,
                new Uri("http://127.0.0.1:0"), LogLevel.Critical);
            await LocalFunctionsHost.EnsureStorageAsync(app, CancellationToken.None);
            var measured = new ConcurrentBag<double>();
            using var listener = Listen(app.Services, measured);
            await app.StartAsync();
            var url = new Uri($"{app.Urls.First()}/{Routes.Prefix}/{Routes.ElevenLabsWebhook}");
            Console.WriteLine(FormattableString.Invariant(
                $"time-to-alert: {calls} calls ({CallSeconds} s, a blank sibling each) ending over {spread.TotalMinutes:F1} min; schedule '{schedule}', settle delay {settleDelay}"));

            var random = new Random(21);
            var started = DateTimeOffset.UtcNow;
            var plan = Enumerable.Range(0, calls).Select(i => (Index: i, At: spread * random.NextDouble())).OrderBy(c => c.At).ToList();
            using var http = new HttpClient();
            var arrivals = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = calls }, async (call, token) =>
            {
                var wait = started + call.At - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, token);
                var (realId, arrivedAt) = await CallEndsAsync(http, url, api, call.Index, token);
                arrivals[realId] = arrivedAt;
            });

            // The last call's alert needs at most its settle wait and one more interval; give it two, and a minute.
            var interval = Interval(schedule);
            var deadline = DateTimeOffset.UtcNow + settleDelay + interval * 2 + TimeSpan.FromMinutes(1);
            while (DateTimeOffset.UtcNow < deadline && !arrivals.Keys.All(id => teams.Posts.Any(p => p.Body.Contains(id, StringComparison.Ordinal))))
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
            await app.StopAsync();

            var toAlert = new List<double>();
            var missed = 0;
            var doubled = 0;
            foreach (var (id, arrivedAt) in arrivals)
            {
                var posts = teams.Posts.Where(p => p.Body.Contains(id, StringComparison.Ordinal)).ToList();
                if (posts.Count == 0) missed++;
                else toAlert.Add((posts.Min(p => p.At) - arrivedAt).TotalSeconds);
                if (posts.Count > 1) doubled++;
            }
            var settled = measured.ToList();
            Console.WriteLine(FormattableString.Invariant(
                $"  webhook arrival -> alert post: p50 {P(toAlert, 0.5),6:F1} s   p95 {P(toAlert, 0.95),6:F1} s   max {(toAlert.Count == 0 ? double.NaN : toAlert.Max()),6:F1} s   ({toAlert.Count} calls)"));
            Console.WriteLine(FormattableString.Invariant(
                $"  settled -> alert post (convo.alerts.time_to_alert): p50 {P(settled, 0.5),6:F1} s   p95 {P(settled, 0.95),6:F1} s   ({settled.Count} alerts)"));
            Console.WriteLine(FormattableString.Invariant(
                $"  API reads: {api.Count("/v1/convai/conversations/")} conversation reads, {api.Count("/v1/convai/conversations?")} list queries; alerts missed {missed}, sent twice {doubled}"));
            return missed == 0 && doubled == 0 ? 0 : 1;
        }
        finally
        {
            await azurite.DisposeAsync();
            data.Delete(recursive: true);
        }
    }

    /// <summary>One call ends now: its conversations appear at the API, and both post-call webhooks are posted.</summary>
    private static async Task<(string RealId, DateTimeOffset ArrivedAt)> CallEndsAsync(HttpClient http, Uri url, ElevenLabsStandIn api, int index, CancellationToken token)
    {
        var now = DateTimeOffset.UtcNow;
        var call = new PlannedCall(index, $"CA{index:x8}21212121000000000000000", $"+4477009{index:D5}",
            $"conv_tta_{index}_real", $"conv_tta_{index}_blank", now.AddSeconds(-CallSeconds));
        var real = Scenario.Conversation(call, call.RealId, blank: false);
        var blank = Scenario.Conversation(call, call.BlankId!, blank: true);
        real["metadata"]!["call_duration_secs"] = CallSeconds;
        api.Add(real);
        api.Add(blank);
        foreach (var conversation in new[] { real, blank })
        {
            var body = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["type"] = WebhookEventTypes.PostCallTranscription,
                ["event_timestamp"] = now.ToUnixTimeSeconds(),
                ["data"] = conversation.DeepClone(),
            }.ToJsonString());
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Headers.TryAddWithoutValidation(SignatureHeader.Name, WebhookSigner.Sign(body, Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            using var response = await http.SendAsync(request, token);
            response.EnsureSuccessStatusCode();
        }
        return (call.RealId, DateTimeOffset.UtcNow);
    }

    private static MeterListener Listen(IServiceProvider services, ConcurrentBag<double> measured)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == MetricNames.AlertsTimeToAlert) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => measured.Add(value));
        listener.Start();
        return listener;
    }

    private static TimeSpan Interval(string schedule)
    {
        if (!DetectionOptions.TryParseSchedule(schedule, out var cron) || cron is null) throw new ArgumentException($"Not an NCRONTAB schedule: {schedule}");
        var first = cron.GetNextOccurrence(DateTime.UtcNow)!.Value;
        return cron.GetNextOccurrence(first)!.Value - first;
    }

    private static double P(List<double> values, double q) => values.Count == 0 ? double.NaN : ClosedLoop.Percentile(values, q);

    private static IConfiguration Settings(Uri api, Uri teams, string schedule, TimeSpan settleDelay) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        [SettingNames.ElevenLabsWebhookSecret] = Secret,
        [SettingNames.ElevenLabsApiKey] = ApiKey,
        [SettingNames.ElevenLabsBaseUrl] = api.ToString(),
        [SettingNames.DetectionSchedule] = schedule,
        [SettingNames.DetectionSettleDelay] = settleDelay.ToString("c", CultureInfo.InvariantCulture),
        [SettingNames.DetectionWebhookHealthEnabled] = "false",
        // Every call of the run is one agent's: measured here is each call's own alert, so none folds into an incident.
        [SettingNames.AlertsIncidentThreshold] = "0",
        [SettingNames.AlertsTeamsWebhookUrl] = new Uri(teams, "workflows/invoke").ToString(),
    }).Build();

    /// <summary>A Teams stand-in that notes when each post arrived.</summary>
    private sealed class TimedReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(DateTimeOffset At, string Body)> _posts = new();

        private TimedReceiver(WebApplication app) => _app = app;

        public Uri BaseAddress { get; private set; } = null!;

        public IReadOnlyCollection<(DateTimeOffset At, string Body)> Posts => _posts.ToArray();

        public static async Task<TimedReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new TimedReceiver(app);
            app.Run(async context =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync(context.RequestAborted);
                receiver._posts.Enqueue((DateTimeOffset.UtcNow, body));
                context.Response.StatusCode = 202;
            });
            await app.StartAsync();
            receiver.BaseAddress = new Uri(app.Urls.First());
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

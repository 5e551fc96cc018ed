using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using ConvoFunctions.Alerts;
using ConvoFunctions.App;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Correlation;
using ConvoFunctions.Detection;
using ConvoFunctions.Storage;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ConvoFunctions.Sweep;

namespace ConvoFunctions.Benchmarks.Reliability;

/// <summary>
/// Sends a bounded load of signed webhooks (and bad input) to the served app on loopback while storage and
/// the ElevenLabs stand-in misbehave, then counts: every webhook answered 2xx must be archived, no bad input
/// may reach storage. At-least-once delivery with idempotent processing, checked by counting.
/// </summary>
internal sealed partial class ReliabilityHarness(ReliabilityOptions options, TextWriter progress)
{
    private const string Secret = "wsec_reliability_harness";
    private const string ApiKey = "reliability-harness-key";
    private const int MaxAttempts = 6;

    /// <summary>The sweep timer's interval during the run.</summary>
    private static readonly TimeSpan Schedule = TimeSpan.FromSeconds(3);

    private sealed record Delivery(PlannedWebhook Webhook, int Status, double Milliseconds, int Attempts, int ServiceUnavailable, string? Error = null);

    public async Task<ReliabilityReport> RunAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Deadline);
        var data = Directory.CreateTempSubdirectory("convo-reliability-");
        var azurite = await AzuriteProcess.StartAsync(data.FullName, cancellationToken: deadline.Token);
        try
        {
            var scenario = Scenario.Create(options, DateTimeOffset.UtcNow);
            await using var api = await ElevenLabsStandIn.StartAsync(ApiKey,
                new StandInFaults(options.Api429Share, options.Api500Share, options.ApiSlowShare, options.ApiLatency, options.Seed), deadline.Token);
            foreach (var conversation in scenario.Conversations.Values) api.Add(conversation);
            await using var teams = await StandInReceiver.StartAsync(options.AlertChannelFailureShare, options.Seed);
            await using var email = await StandInReceiver.StartAsync(options.AlertChannelFailureShare, options.Seed + 1);
            await using var app = LocalFunctionsHost.Build(Settings(api.BaseAddress, teams.BaseAddress, email.BaseAddress), azurite.ConnectionString,
                new Uri("http://127.0.0.1:0"), LogLevel.Critical);
            await LocalFunctionsHost.EnsureStorageAsync(app, deadline.Token);
            await app.StartAsync(deadline.Token);
            var url = new Uri($"{app.Urls.First()}/{Routes.Prefix}/{Routes.ElevenLabsWebhook}");
            progress.WriteLine($"reliability: {scenario.Webhooks.Count} webhooks over {scenario.Calls.Count} calls to {url}, concurrency {options.Concurrency}");

            var deliveries = new ConcurrentBag<Delivery>();
            var outages = 0;
            Task outage = Task.CompletedTask;
            var sent = 0;
            var watch = Stopwatch.StartNew();
            using var http = NewClient(options.Concurrency);
            // Bad input on its own connections: the server closes a connection whose oversized body it refused, and
            // a good webhook racing onto that pooled connection would fail for the harness's sake, not the server's.
            using var badInputHttp = NewClient(4);

            await Parallel.ForEachAsync(scenario.Webhooks,
                new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = deadline.Token },
                async (webhook, token) =>
                {
                    if (Interlocked.Increment(ref sent) == scenario.Webhooks.Count / 2 && options.StorageOutage > TimeSpan.Zero)
                    {
                        outages++;
                        outage = Task.Run(async () => azurite = await OutageAsync(azurite, data.FullName, token), token);
                    }
                    deliveries.Add(await DeliverAsync(webhook.IsBadInput ? badInputHttp : http, url, webhook, token));
                });
            await outage;
            watch.Stop();

            var storage = StorageAccount.FromConnectionString(azurite.ConnectionString);
            var drained = await DrainAsync(storage, deadline.Token);
            var archived = await ArchivedShasAsync(storage, deadline.Token);
            var acknowledgedIds = deliveries.Where(d => d.Status is >= 200 and < 300 && d.Webhook.ConversationId is not null)
                .Select(d => d.Webhook.ConversationId!).ToHashSet();
            var rows = await ConversationsWithRowsAsync(storage, acknowledgedIds, deadline.Token);
            var poison = await PoisonAsync(storage, deadline.Token);
            var sweeps = await SettleAlertsAsync(app.Services.GetRequiredService<DuplicateSweep>(), teams, email, deadline.Token);
            var end = await app.Services.GetRequiredService<SweepCheckpoint>().BeginAsync(deadline.Token);
            var report = Count(scenario, deliveries.ToList(), archived, rows, outages, watch.Elapsed,
                [api.Summary, $"alert stand-ins: Teams answered 500 {teams.Failed} times, ACS {email.Failed} times; {sweeps} final sweeps"]);
            var duplicates = scenario.Calls.Where(c => c.BlankId is not null).ToList();
            var (teamsAlerts, emailAlerts) = (AlertedCalls(scenario, teams), AlertedCalls(scenario, email));
            var incidents = await IncidentsAsync(storage, scenario, deadline.Token);
            var folded = incidents.Calls.Where(c => c.Value.Folded).Select(c => c.Key).ToHashSet();
            // Recorded once: posted on its own, or folded into its incident (whose posts count it), never both.
            var alerted = teamsAlerts.Concat(emailAlerts).SelectMany(a => a).Distinct().Concat(folded).Distinct().ToList();
            return report with
            {
                DuplicateGroups = duplicates.Count,
                AlertedGroups = alerted.Count,
                FoldedGroups = folded.Count,
                TeamsAlerts = teams.Accepted.Count,
                EmailAlerts = email.Accepted.Count,
                Incidents = incidents.States.Select(i => $"{i.Pattern.Key}: {i.Status}, episode {i.Episode}, {i.Count} calls").ToList(),
                IncidentsOverBound = PostsOverBound(incidents, teams, email, watch.Elapsed + TimeSpan.FromMinutes(1)),
                CheckpointLag = end.Now - (end.Through ?? DateTimeOffset.MinValue),
                CheckpointLagBound = new DetectionOptions().SettleDelay + 2 * Schedule,
                StormResolved = incidents.States.Any(i => i.Pattern.AgentId == Scenario.StormAgentId && i.Status == IncidentStatus.Resolved)
                    && new[] { teams, email }.All(ch => ch.Accepted.Count(b => IsIncidentPost(b) && b.Contains($"Resolved: agent {Scenario.StormAgentId} ", StringComparison.Ordinal)) == 1),
                DoubledGroups = duplicates
                    .Select(g => (Call: Describe(g), Teams: teamsAlerts.Count(a => a.Contains(g)), Email: emailAlerts.Count(a => a.Contains(g)), Folded: folded.Contains(g)))
                    .Where(g => g.Teams > 1 || g.Email > 1 || (g.Folded && g.Teams + g.Email > 0))
                    .Select(g => $"{g.Call}: Teams {g.Teams}, email {g.Email}{(g.Folded ? ", and folded into an incident" : "")}")
                    .ToList(),
                MissedGroups = duplicates.Where(g => !alerted.Contains(g)).Select(Describe).ToList(),
                FalseAlerts = alerted.Where(c => c.BlankId is null).Select(Describe)
                    .Concat(WidgetsAlerted(scenario, teams).Concat(WidgetsAlerted(scenario, email)).Distinct().Select(c => Describe(c) + ": its widget visit"))
                    .ToList(),
                MixedAlerts = teamsAlerts.Concat(emailAlerts).Where(a => a.Count > 1).Select(a => string.Join(" + ", a.Select(Describe))).ToList(),
                Shapes = scenario.Calls.Where(c => c.BlankId is not null || c.WidgetId is not null)
                    .GroupBy(c => c.Shape).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}").ToList(),
                QueueDrained = drained,
                ConversationsWithRows = rows.Count,
                ConversationsAcknowledged = acknowledgedIds.Count,
                PoisonMessages = poison.Count,
                PoisonReasons = poison,
            };
        }
        finally
        {
            await azurite.DisposeAsync();
            data.Delete(recursive: true);
        }
    }

    private static HttpClient NewClient(int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = connections }) { Timeout = TimeSpan.FromSeconds(60) };

    private IConfiguration Settings(Uri api, Uri teams, Uri email) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        [SettingNames.ElevenLabsWebhookSecret] = Secret,
        [SettingNames.ElevenLabsApiKey] = ApiKey,
        [SettingNames.ElevenLabsBaseUrl] = api.ToString(),
        [SettingNames.WebhooksMaxBodyBytes] = options.MaxBodyBytes.ToString(),
        // The sweep timer runs throughout the load, so sweeps overlap enrichment and the final sweeps below.
        [SettingNames.DetectionSchedule] = $"*/{Schedule.TotalSeconds:F0} * * * * *",
        [SettingNames.DetectionDiscoveryMaxQueries] = "1000",
        [SettingNames.DetectionDiscoveryMaxDetails] = "1000",
        [SettingNames.DetectionWebhookHealthEnabled] = "false",
        [SettingNames.AlertsTeamsWebhookUrl] = new Uri(teams, "workflows/invoke?sig=harness").ToString(),
        [SettingNames.AlertsEmailEndpoint] = email.ToString(),
        [SettingNames.AlertsEmailAccessKey] = Convert.ToBase64String("reliability-harness-acs-key"u8.ToArray()),
        [SettingNames.AlertsEmailSender] = "DoNotReply@harness.invalid",
        [SettingNames.AlertsEmailRecipients] = "oncall@harness.invalid",
        // A channel that failed is retried by the next sweep; a short lease lets the final sweeps finish the job.
        [SettingNames.AlertsClaimLease] = "00:00:10",
        // The storm stopped 45 minutes before the run: its incident resolves within the run once its later calls are seen.
        [SettingNames.AlertsResolveAfter] = "00:05:00",
    }).Build();

    /// <summary>
    /// Sweeps (concurrently with the serve timer) until two sweeps in a row deliver nothing new, so every group has had
    /// its chance to alert and every failed channel its retry. Bounded in count.
    /// </summary>
    private static async Task<int> SettleAlertsAsync(DuplicateSweep sweep, StandInReceiver teams, StandInReceiver email, CancellationToken cancellationToken)
    {
        var quiet = 0;
        var sweeps = 0;
        while (quiet < 2 && sweeps < 30)
        {
            var before = teams.Accepted.Count + email.Accepted.Count + teams.Failed + email.Failed;
            await sweep.RunAsync(cancellationToken);
            sweeps++;
            quiet = teams.Accepted.Count + email.Accepted.Count + teams.Failed + email.Failed == before ? quiet + 1 : 0;
        }
        return sweeps;
    }

    /// <summary>
    /// Per alert a channel accepted, the calls whose conversations it names (recognised by conversation id, which
    /// every alert lists; a keyless call has no SID to go by). More than one call in an alert is a wrong grouping.
    /// </summary>
    private static List<HashSet<PlannedCall>> AlertedCalls(Scenario scenario, StandInReceiver channel)
    {
        var byConversation = scenario.Calls
            .SelectMany(c => new[] { (Id: c.RealId, Call: c), (Id: c.BlankId, Call: c) })
            .Where(x => x.Id is not null)
            .ToDictionary(x => x.Id!, x => x.Call);
        // An incident's posts name example calls of the incident; they alert the incident, not those calls.
        return channel.Accepted.Where(body => !IsIncidentPost(body))
            .Select(body => ConversationIds().Matches(body).Select(m => m.Value)
                .Where(byConversation.ContainsKey).Select(id => byConversation[id]).ToHashSet())
            .ToList();
    }

    private sealed record IncidentCounts(IReadOnlyList<Incident> States, IReadOnlyDictionary<PlannedCall, CallIncident> Calls);

    /// <summary>The incidents, and the incident each duplicate call was recorded into (through the ledger's member index: conversation → alert key).</summary>
    private static async Task<IncidentCounts> IncidentsAsync(StorageAccount storage, Scenario scenario, CancellationToken cancellationToken)
    {
        var records = new IncidentRecords(storage);
        var members = await new AlertLedger(storage).AlertedWithAsync(scenario.Calls.SelectMany(c => new[] { c.RealId, c.BlankId }).OfType<string>(), cancellationToken);
        var calls = new Dictionary<PlannedCall, CallIncident>();
        foreach (var call in scenario.Calls.Where(c => c.BlankId is not null))
        {
            var key = members.GetValueOrDefault(call.RealId) ?? members.GetValueOrDefault(call.BlankId!);
            if (key is not null && await records.CallAsync(key, cancellationToken) is { } incident) calls[call] = incident;
        }
        return new IncidentCounts(await records.ListAsync(cancellationToken), calls);
    }

    /// <summary>
    /// Incidents whose posts on a channel exceed what the rules allow: the calls alerted one by one (the threshold per
    /// <c>IncidentWindow</c> the pattern's calls span: calls hours apart are each rare), opened, a roll-up per interval
    /// begun, resolved, and the same again per reopening.
    /// </summary>
    private static List<string> PostsOverBound(IncidentCounts incidents, StandInReceiver teams, StandInReceiver email, TimeSpan elapsed)
    {
        var settings = new ConvoFunctions.Alerts.AlertOptions();
        var over = new List<string>();
        foreach (var incident in incidents.States)
        {
            var calls = incidents.Calls.Where(c => c.Value.IncidentKey == incident.Pattern.Key).Select(c => c.Key).ToList();
            var perCall = calls.Where(c => !incidents.Calls[c].Folded).ToList();
            var windows = calls.Count == 0 ? 1 : 1 + (int)((calls.Max(c => c.Start) - calls.Min(c => c.Start)) / settings.IncidentWindow);
            var bound = incident.Episode * (2 + (int)Math.Ceiling(elapsed / settings.RollupInterval)) + settings.IncidentThreshold * windows;
            foreach (var (name, channel) in new[] { ("Teams", teams), ("email", email) })
            {
                var posts = channel.Accepted.Count(b => IsIncidentPost(b) && (b.Contains($"agent {incident.Pattern.AgentId} produced", StringComparison.Ordinal)
                                                                           || b.Contains($"agent {incident.Pattern.AgentId} stopped", StringComparison.Ordinal)))
                    + channel.Accepted.Count(b => !IsIncidentPost(b) && perCall.Any(c => b.Contains(c.RealId, StringComparison.Ordinal)));
                if (posts > bound) over.Add($"{incident.Pattern.Key}: {name} {posts} posts, bound {bound}");
            }
        }
        return over;
    }

    private static bool IsIncidentPost(string body) =>
        body.Contains("Recurring: ", StringComparison.Ordinal) || body.Contains("Still recurring: ", StringComparison.Ordinal)
        || body.Contains("Resolved: agent ", StringComparison.Ordinal) || body.Contains("Back: agent ", StringComparison.Ordinal);

    /// <summary>The calls whose widget visit an alert named: a widget visit is never a call's sibling.</summary>
    private static IEnumerable<PlannedCall> WidgetsAlerted(Scenario scenario, StandInReceiver channel) =>
        scenario.Calls.Where(c => c.WidgetId is not null && channel.Accepted.Any(body => body.Contains(c.WidgetId, StringComparison.Ordinal)));

    private static string Describe(PlannedCall call) => $"call {call.Index} ({call.Shape}, {call.CallSid})";

    [System.Text.RegularExpressions.GeneratedRegex(@"conv_rel_\d+_\d+_(real|blank)")]
    private static partial System.Text.RegularExpressions.Regex ConversationIds();

    private async Task<AzuriteProcess> OutageAsync(AzuriteProcess azurite, string data, CancellationToken cancellationToken)
    {
        progress.WriteLine($"reliability: storage outage: stopping Azurite for {options.StorageOutage.TotalSeconds:F0} s");
        await azurite.StopGracefullyAsync(TimeSpan.FromSeconds(15));
        await Task.Delay(options.StorageOutage, cancellationToken);
        var restarted = await AzuriteProcess.StartAsync(data, azurite.Ports, cancellationToken);
        progress.WriteLine("reliability: storage back (same data folder, same ports)");
        return restarted;
    }

    /// <summary>Posts one webhook as ElevenLabs would: retried on 5xx/429/408 only where ElevenLabs retries.</summary>
    private static async Task<Delivery> DeliverAsync(HttpClient http, Uri url, PlannedWebhook webhook, CancellationToken cancellationToken)
    {
        var unavailable = 0;
        for (var attempt = 1; ; attempt++)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var signature = webhook.Kind switch
            {
                "forged" => WebhookSigner.Sign(webhook.Body, "not-the-secret", now),
                "stale" => WebhookSigner.Sign(webhook.Body, Secret, now - 3600),
                _ => WebhookSigner.Sign(webhook.Body, Secret, now),
            };
            using var content = new ByteArrayContent(webhook.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
            request.Headers.TryAddWithoutValidation(SignatureHeader.Name, signature);

            var started = Stopwatch.GetTimestamp();
            int status;
            string? error = null;
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException ex)
            {
                status = 0;
                error = ex.InnerException?.Message ?? ex.Message;
            }
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (status == 503) unavailable++;

            var retriable = status is 0 or 408 or 429 or >= 500;
            if (!retriable || !webhook.Retried || attempt == MaxAttempts)
            {
                return new Delivery(webhook, status, elapsed, attempt, unavailable, error);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(4000, 500 * Math.Pow(2, attempt - 1))), cancellationToken);
        }
    }

    private static async Task<HashSet<string>> ArchivedShasAsync(StorageAccount storage, CancellationToken cancellationToken)
    {
        var shas = new HashSet<string>();
        await foreach (var blob in storage.Container(StorageNames.WebhookContainer).GetBlobsAsync(cancellationToken: cancellationToken))
        {
            shas.Add(Path.GetFileNameWithoutExtension(blob.Name));
        }
        return shas;
    }

    /// <summary>Waits until enrichment has taken every message off <c>webhook-events</c> (bounded by the deadline).</summary>
    private async Task<bool> DrainAsync(StorageAccount storage, CancellationToken cancellationToken)
    {
        var queue = storage.Queue(StorageNames.WebhookEventsQueue);
        var empty = 0;
        using var drainDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drainDeadline.CancelAfter(TimeSpan.FromMinutes(5));
        try
        {
            // Approximate counts include messages in flight; two empty looks in a row mean the poller is done.
            while (empty < 2)
            {
                var count = (await queue.GetPropertiesAsync(drainDeadline.Token)).Value.ApproximateMessagesCount;
                empty = count == 0 ? empty + 1 : 0;
                if (empty < 2) await Task.Delay(TimeSpan.FromMilliseconds(500), drainDeadline.Token);
            }
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            progress.WriteLine("reliability: webhook-events did not drain within 5 minutes");
            return false;
        }
    }

    private static async Task<HashSet<string>> ConversationsWithRowsAsync(
        StorageAccount storage, IEnumerable<string> conversationIds, CancellationToken cancellationToken)
    {
        var repository = new CorrelationRepository(storage, StorageClock.FromAnswers(TimeProvider.System));
        var withRows = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(conversationIds, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (id, token) =>
            {
                if (await repository.GetConversationAsync(id, token) is not null) withRows.Add(id);
            });
        return withRows.ToHashSet();
    }

    /// <summary>Poison messages with their recorded reasons (peeked, left in place for <c>convo replay</c>).</summary>
    private static async Task<List<string>> PoisonAsync(StorageAccount storage, CancellationToken cancellationToken)
    {
        var poison = storage.Queue(StorageNames.WebhookEventsPoisonQueue);
        var total = (await poison.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        var reasons = new List<string>();
        foreach (var message in (await poison.PeekMessagesAsync(32, cancellationToken)).Value)
        {
            var text = message.Body.ToString();
            reasons.Add(System.Text.Json.Nodes.JsonNode.Parse(text)?["reason"]?.GetValue<string>() ?? "(moved by the host, no reason)");
        }
        reasons.AddRange(Enumerable.Repeat("(not peeked)", Math.Max(0, total - reasons.Count)));
        return reasons;
    }

    private static ReliabilityReport Count(
        Scenario scenario, List<Delivery> deliveries, HashSet<string> archived, HashSet<string> rows, int outages, TimeSpan elapsed, List<string> notes)
    {
        var acknowledged = deliveries.Where(d => d.Status is >= 200 and < 300).ToList();
        var bad = deliveries.Where(d => d.Webhook.IsBadInput).ToList();
        var latencies = acknowledged.Select(d => d.Milliseconds).Order().ToArray();
        double Percentile(double p) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p * latencies.Length) - 1)];

        return new ReliabilityReport
        {
            Planned = scenario.Webhooks.Count,
            Acknowledged = acknowledged.Count,
            AcknowledgedDistinct = acknowledged.Select(d => d.Webhook.Sha256).Distinct().Count(),
            Archived = archived.Count,
            BadInputTotal = bad.Count,
            BadInputAnsweredAsExpected = bad.Count(d => d.Status == d.Webhook.ExpectedStatus),
            BadInputStored = bad.Where(d => archived.Contains(d.Webhook.Sha256)).Select(d => d.Webhook.Kind).ToList(),
            UnexpectedAnswers = deliveries
                .Where(d => d.Status != d.Webhook.ExpectedStatus && !(d.Status == 503 && !d.Webhook.Retried))
                .Select(d => $"{d.Webhook.Kind} {d.Webhook.ConversationId}: {d.Status} after {d.Attempts} attempts{(d.Error is null ? "" : $" ({d.Error})")}")
                .ToList(),
            ServiceUnavailableAnswers = deliveries.Sum(d => d.ServiceUnavailable),
            NotAcknowledged = deliveries.Count(d => !d.Webhook.IsBadInput && d.Status is < 200 or >= 300),
            // Lost: answered 2xx, yet neither its body nor its conversation made it anywhere.
            Lost = acknowledged.Where(d => !archived.Contains(d.Webhook.Sha256)
                                           && (d.Webhook.ConversationId is null || !rows.Contains(d.Webhook.ConversationId)))
                .Select(d => $"{d.Webhook.Kind} {d.Webhook.ConversationId} ({d.Webhook.Sha256[..12]})").Distinct().ToList(),
            StorageOutages = outages,
            Elapsed = elapsed,
            P50Milliseconds = Percentile(0.50),
            P99Milliseconds = Percentile(0.99),
            WebhooksPerSecond = acknowledged.Count / Math.Max(0.001, elapsed.TotalSeconds),
            Notes = notes,
        };
    }
}

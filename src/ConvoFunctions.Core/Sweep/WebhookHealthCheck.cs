using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Alerts;
using ConvoFunctions.Detection;
using ConvoFunctions.Storage;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Sweep;

/// <summary>A current webhook problem: its kind and the webhook it concerns.</summary>
internal sealed record WebhookProblem(string Kind, string Subject, string Title, string Summary, IReadOnlyList<AlertFact> Facts);

/// <summary>
/// Each sweep: is the ElevenLabs webhook that feeds us auto-disabled or failing, or has nothing arrived for the quiet
/// period although ElevenLabs lists new conversations? Does the workspace's post-call webhook still point at us and
/// subscribe to transcripts and call-initiation failures, and does no agent send its events elsewhere? Did ElevenLabs
/// send an event type this build could not read? Each problem is an incident: the first sweep that sees it opens it (an
/// insert only one sweep wins) and raises one alert; it closes when the problem is gone, so a later relapse is a new
/// incident with a new alert.
/// </summary>
internal sealed partial class WebhookHealthCheck(
    IConversationDirectory directory,
    IWebhookHeartbeat heartbeat,
    UnknownWebhookTypes unknownTypes,
    AgentWebhookOverrides agents,
    StorageAccount storage,
    AlertDispatcher dispatcher,
    AlertFactory factory,
    IOptions<DetectionOptions> options,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<WebhookHealthCheck> logger)
{
    /// <summary>Row of the health partition: when this deployment first checked, so "quiet" waits a full quiet period.</summary>
    public const string WatchingSinceRow = "watching_since";

    public const string AutoDisabled = "auto_disabled";
    public const string Failing = "failing";
    public const string Quiet = "quiet";
    public const string Elsewhere = "elsewhere";
    public const string Unsubscribed = "unsubscribed";
    public const string AgentsElsewhere = "agents_elsewhere";
    public const string UnknownType = "unknown_type";

    /// <summary>An event type not read is reported while one arrived this recently.</summary>
    public static readonly TimeSpan UnknownTypeWindow = TimeSpan.FromDays(1);

    private readonly List<(string Key, string Generation)> _handled = [];

    private TableClient Table => storage.Table(StorageNames.AlertsTable);

    /// <summary>The alert rows this check raised or finished in its last run.</summary>
    public IReadOnlyList<(string Key, string Generation)> Handled => _handled;

    /// <param name="agentsSeen">The agents of the conversations this sweep read: their webhook overrides are checked.</param>
    public async Task<IReadOnlyList<WebhookProblem>> CheckAsync(IReadOnlyCollection<string> agentsSeen, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.WebhookHealthEnabled) return [];

        _handled.Clear();
        var now = time.GetUtcNow();
        agents.Seen(agentsSeen);
        // Event types are ours to see without the API; the rest needs it.
        var problems = await UnknownTypeProblemsAsync(now, cancellationToken);
        var apiChecked = directory.IsConfigured;
        if (apiChecked) problems.AddRange(await FindProblemsAsync(now, cancellationToken));
        else LogNotConfigured();
        var current = problems.Select(p => IncidentRowKey(p.Kind, p.Subject)).ToHashSet(StringComparer.Ordinal);

        foreach (var problem in problems) await OpenIncidentAsync(problem, now, cancellationToken);

        // Problems no longer seen close their incidents.
        await foreach (var open in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == AlertLedger.HealthPartition && e.RowKey.CompareTo("incident~") >= 0 && e.RowKey.CompareTo("incident~~") < 0,
            cancellationToken: cancellationToken))
        {
            if (current.Contains(open.RowKey)) continue;
            // Without the API its problems were not looked at: their incidents stay as they are.
            if (!apiChecked && !open.RowKey.StartsWith(IncidentRowKey(UnknownType, ""), StringComparison.Ordinal)) continue;
            try
            {
                await Table.DeleteEntityAsync(open.PartitionKey, open.RowKey, open.ETag, cancellationToken);
                LogClosed(open.RowKey);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
            }
        }
        return problems;
    }

    private async Task<List<WebhookProblem>> FindProblemsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var problems = new List<WebhookProblem>();
        var webhooks = await directory.ListWebhooksAsync(cancellationToken);
        // Only the webhook that feeds this app: the one named, else those whose URL points at this app's host. Other
        // products' webhooks of the workspace are none of our business; without either, only the quiet check runs.
        var host = configuration["WEBSITE_HOSTNAME"];
        var watched = !string.IsNullOrWhiteSpace(settings.WebhookId)
            ? webhooks.Where(w => w.WebhookId == settings.WebhookId).ToList()
            : string.IsNullOrWhiteSpace(host) ? []
            : webhooks.Where(w => (!w.IsDisabled || w.IsAutoDisabled) && PointsAt(w.WebhookUrl, host)).ToList();

        if (!string.IsNullOrWhiteSpace(settings.WebhookId) && watched.Count == 0)
        {
            problems.Add(new WebhookProblem("missing", settings.WebhookId, "ElevenLabs webhook not found",
                $"The webhook {settings.WebhookId} that feeds ConvoFunctions no longer exists in the ElevenLabs workspace.",
                [new AlertFact("Webhook", settings.WebhookId)]));
        }

        foreach (var w in watched)
        {
            var facts = new List<AlertFact>
            {
                new("Webhook", $"{w.Name ?? "(unnamed)"} ({w.WebhookId})"),
                new("Auto-disabled", w.IsAutoDisabled ? "yes" : "no"),
                new("Disabled", w.IsDisabled ? "yes" : "no"),
                new("Last failure code", w.MostRecentFailureErrorCode?.ToString(CultureInfo.InvariantCulture) ?? "none"),
                new("Last failure", w.MostRecentFailureTime?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "none"),
            };
            if (w.IsAutoDisabled)
            {
                problems.Add(new WebhookProblem(AutoDisabled, w.WebhookId, "ElevenLabs webhook auto-disabled",
                    "ElevenLabs auto-disabled the webhook that feeds ConvoFunctions after repeated failed deliveries. " +
                    "Until it is re-enabled no call reaches us and duplicate detection is blind.", facts));
            }
            else if (w.MostRecentFailureTime is { } failedAt && now - failedAt <= settings.WebhookFailureWindow)
            {
                problems.Add(new WebhookProblem(Failing, w.WebhookId, "ElevenLabs webhook deliveries failing",
                    "ElevenLabs reports recent failed deliveries to ConvoFunctions; repeated failures lead to auto-disabling.", facts));
            }
        }

        var ours = OurWebhookIds(webhooks, settings.WebhookId, host);
        problems.AddRange(WorkspaceProblems(await directory.GetPostCallWebhookAsync(cancellationToken), ours, webhooks));
        if (await AgentProblemAsync(ours, webhooks, now, cancellationToken) is { } agentProblem) problems.Add(agentProblem);

        var last = await heartbeat.LastReceivedAsync(cancellationToken);
        var watchingSince = await WatchingSinceAsync(now, cancellationToken);
        if ((last is null || now - last.Value > settings.WebhookQuietPeriod) && now - watchingSince >= settings.WebhookQuietPeriod)
        {
            // Quiet only matters when calls happened: one item of the list endpoint (settled ones only) is enough.
            var since = now - settings.WebhookQuietPeriod;
            var page = await directory.ListConversationsAsync(new ConversationQuery(null, since, now - settings.SettleDelay, PageSize: 1), null, cancellationToken);
            if (page.Conversations.Count > 0)
            {
                problems.Add(new WebhookProblem(Quiet, "all", "No ElevenLabs webhooks are arriving",
                    $"No webhook arrived for more than {settings.WebhookQuietPeriod:c}, yet ElevenLabs lists conversations started since " +
                    $"{since.UtcDateTime:yyyy-MM-dd HH:mm} UTC. Check the webhook configuration in ElevenLabs and the function's ingest endpoint.",
                    [
                        new AlertFact("Last webhook received", last?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "never"),
                        new AlertFact("Quiet period", settings.WebhookQuietPeriod.ToString("c", CultureInfo.InvariantCulture)),
                        new AlertFact("Example conversation", page.Conversations[0].ConversationId),
                    ]));
            }
        }
        return problems;
    }

    /// <summary>The ids of the webhooks that feed this app: the one named, else those pointing at this host; null when neither is known.</summary>
    private static HashSet<string>? OurWebhookIds(IReadOnlyList<WorkspaceWebhook> webhooks, string? webhookId, string? host) =>
        !string.IsNullOrWhiteSpace(webhookId) ? [webhookId]
        : string.IsNullOrWhiteSpace(host) ? null
        : webhooks.Where(w => PointsAt(w.WebhookUrl, host)).Select(w => w.WebhookId).ToHashSet(StringComparer.Ordinal);

    /// <summary>The workspace's post-call webhook: ours, and subscribed to what detection reads.</summary>
    private static IEnumerable<WebhookProblem> WorkspaceProblems(PostCallWebhookSettings? workspace, HashSet<string>? ours, IReadOnlyList<WorkspaceWebhook> webhooks)
    {
        var id = workspace?.WebhookId;
        if (ours is not null && (id is null || !ours.Contains(id)))
        {
            yield return new WebhookProblem(Elsewhere, "workspace", "ElevenLabs post-call webhook points elsewhere",
                (id is null ? "The ElevenLabs workspace has no post-call webhook" : $"The ElevenLabs workspace sends its post-call webhooks to {Describe(id, webhooks)}")
                + ", not to ConvoFunctions: no call reaches us and duplicate detection is blind. Set it back under ElevenLabs → Agents Platform settings → Post-call webhook.",
                [new AlertFact("Post-call webhook", id is null ? "none" : Describe(id, webhooks)), new AlertFact("ConvoFunctions' webhook", ours.Count == 0 ? "none points at this app" : string.Join(", ", ours.Order(StringComparer.Ordinal)))]);
        }
        if (workspace?.MissingEvents() is { Count: > 0 } missing)
        {
            yield return new WebhookProblem(Unsubscribed, "workspace", "ElevenLabs post-call webhook no longer sends what detection reads",
                $"The workspace's post-call webhook is not subscribed to {string.Join(" and ", missing)}: " +
                "without transcripts no call reaches us, without call-initiation failures failed attempts go unseen.",
                [new AlertFact("Subscribed events", string.Join(", ", workspace.Events!)), new AlertFact("Missing", string.Join(", ", missing))]);
        }
    }

    /// <summary>One problem naming every agent, among those the sweeps saw, that sends its post-call events elsewhere.</summary>
    private async Task<WebhookProblem?> AgentProblemAsync(HashSet<string>? ours, IReadOnlyList<WorkspaceWebhook> webhooks, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (ours is null) return null;
        foreach (var agentId in agents.Due(now))
        {
            try
            {
                agents.Record(agentId, await directory.GetAgentPostCallWebhookAsync(agentId, cancellationToken), now);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A deleted agent or one odd answer must not cost the other checks; read again in an hour.
                agents.Record(agentId, null, now);
                LogAgentReadFailed(agentId, ex.GetType().Name);
            }
        }
        var elsewhere = agents.Overriding().Where(a => !ours.Contains(a.Override.WebhookId!)).ToList();
        if (elsewhere.Count == 0) return null;
        const int shown = 20;
        var names = string.Join(", ", elsewhere.Take(shown).Select(a => $"{a.AgentId} → {Describe(a.Override.WebhookId!, webhooks)}"))
                    + (elsewhere.Count > shown ? $" and {elsewhere.Count - shown} more" : "");
        return new WebhookProblem(AgentsElsewhere, "agents", "ElevenLabs agents send their post-call webhooks elsewhere",
            $"{elsewhere.Count} agent(s) override the workspace's post-call webhook and send their events to another webhook: " +
            "their calls never reach ConvoFunctions and their duplicates go unseen.",
            [new AlertFact("Agents", names), new AlertFact("Agents elsewhere", elsewhere.Count.ToString(CultureInfo.InvariantCulture))]);
    }

    /// <summary>Event types ElevenLabs sent in the last day that this build could not read.</summary>
    private async Task<List<WebhookProblem>> UnknownTypeProblemsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        (await unknownTypes.SeenSinceAsync(now - UnknownTypeWindow, cancellationToken))
        .Where(t => !t.Enriched)
        .Select(t => new WebhookProblem(UnknownType, t.Type, "ElevenLabs sends a webhook type ConvoFunctions does not read",
            $"Webhooks of type {t.Type} arrive, are archived and counted, but are not read: if they carry calls, those calls are not in detection. " +
            "Tell the ConvoFunctions maintainers the type, or unsubscribe it in ElevenLabs.",
            [new AlertFact("Type", t.Type), new AlertFact("Last seen", t.LastSeenAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))]))
        .ToList();

    /// <summary>A webhook for people: its name and id, and the host it points at (a URL may carry a token in its query).</summary>
    private static string Describe(string webhookId, IReadOnlyList<WorkspaceWebhook> webhooks) =>
        webhooks.FirstOrDefault(w => w.WebhookId == webhookId) is { } w
            ? $"{w.Name ?? "(unnamed)"} ({w.WebhookId}" + (Uri.TryCreate(w.WebhookUrl, UriKind.Absolute, out var uri) ? $", {uri.Host})" : ")")
            : webhookId;

    private static bool PointsAt(string? url, string host) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Equals(host.Split(':')[0], StringComparison.OrdinalIgnoreCase);

    /// <summary>When this deployment first ran the check (inserted once; the first writer wins).</summary>
    private async Task<DateTimeOffset> WatchingSinceAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await Table.ReadTimeAsync(AlertLedger.HealthPartition, WatchingSinceRow, "Since", cancellationToken) is { } since) return since;
        try
        {
            await Table.AddEntityAsync(new TableEntity(AlertLedger.HealthPartition, WatchingSinceRow) { ["Since"] = now }, cancellationToken);
            return now;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var winner = await Table.GetEntityAsync<TableEntity>(AlertLedger.HealthPartition, WatchingSinceRow, cancellationToken: cancellationToken);
            return winner.Value.GetDateTimeOffset("Since") ?? now;
        }
    }

    private async Task OpenIncidentAsync(WebhookProblem problem, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rowKey = IncidentRowKey(problem.Kind, problem.Subject);
        var incidentId = now.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
        try
        {
            await Table.AddEntityAsync(new TableEntity(AlertLedger.HealthPartition, rowKey) { ["IncidentId"] = incidentId }, cancellationToken);
            LogOpened(rowKey);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already open (this or a concurrent sweep): its alert is the one; the dispatcher only finishes sending it.
            var open = await Table.GetEntityAsync<TableEntity>(AlertLedger.HealthPartition, rowKey, cancellationToken: cancellationToken);
            incidentId = open.Value.GetString("IncidentId") ?? incidentId;
        }

        var key = TableKeys.Sanitize($"health:{problem.Kind}:{problem.Subject}");
        var alert = factory.ForWebhookHealth(key, incidentId, problem.Title, problem.Summary, problem.Facts, now);
        if (await dispatcher.RaiseAsync(alert, suppressIfHigherExists: false, cancellationToken) is { } outcome)
        {
            _handled.Add((outcome.Key, outcome.Generation));
        }
    }

    private static string IncidentRowKey(string kind, string subject) => TableKeys.Sanitize($"incident~{kind}~{subject}");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook health check skipped: ElevenLabs:ApiKey is not set")]
    private partial void LogNotConfigured();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading agent {agent_id}'s webhook override failed ({error_type}); read again in an hour")]
    private partial void LogAgentReadFailed(string agent_id, string error_type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook health incident {incident} opened")]
    private partial void LogOpened(string incident);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook health incident {incident} closed")]
    private partial void LogClosed(string incident);
}

using ConvoFunctions.Alerts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Detection;

/// <summary>What one sweep did.</summary>
internal sealed record SweepResult(
    DateTimeOffset From,
    DateTimeOffset To,
    int Observed,
    DiscoveryResult Discovery,
    IReadOnlyList<DuplicateGroup> Duplicates,
    IReadOnlyList<AlertOutcome> Alerts,
    IReadOnlyList<WebhookProblem> WebhookProblems);

/// <summary>
/// One detection pass: read the conversations that started in [now − LookBack, now − SettleDelay], discover siblings
/// that never sent a webhook, group by call, and alert the groups whose verdict is configured to alert. Then retry
/// unfinished alerts and check the webhook's health. Its cost follows the window, not the size of the tables.
/// </summary>
internal sealed partial class DuplicateSweep(
    IConversationWindow window,
    SiblingDiscovery discovery,
    AlertDispatcher dispatcher,
    AlertFactory factory,
    WebhookHealthCheck health,
    IOptions<DetectionOptions> options,
    TimeProvider time,
    ILogger<DuplicateSweep> logger)
{
    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var (from, to) = (now - settings.LookBack, now - settings.SettleDelay);

        var observed = await window.ReadAsync(from, to, cancellationToken);
        var found = DiscoveryResult.None;
        try
        {
            found = await discovery.DiscoverAsync(observed, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Polly.ExecutionRejectedException && !cancellationToken.IsCancellationRequested)
        {
            // The API being down (an error, or the resilience pipeline's open circuit or timeout) must not stop alerts
            // on what we already know.
            LogDiscoveryFailed(ex.GetType().Name, ex.Message);
        }

        var groups = DuplicateGrouper.Group(observed.Concat(found.Found), settings.FuzzyGap);
        var duplicates = groups.Where(g => g.IsDuplicate).ToList();
        var alerting = settings.AlertingVerdicts;
        var outcomes = new List<AlertOutcome>();

        foreach (var group in duplicates)
        {
            if (!alerting.Contains(group.Verdict))
            {
                LogNotAlerting(group.Key, group.Conversations.Count, group.Verdict.Describe());
                continue;
            }
            var previous = await dispatcher.HasEarlierGenerationAsync(group.Key, AlertFactory.Generation(group), cancellationToken);
            var outcome = await dispatcher.RaiseAsync(factory.ForDuplicate(group, previous, now), suppressIfHigherExists: true, cancellationToken);
            if (outcome is not null) outcomes.Add(outcome);
        }

        // Alerts whose channels failed or whose sweep crashed, including groups that have left the window.
        // The health check runs first so that its own new alerts count as handled in this sweep.
        IReadOnlyList<WebhookProblem> problems = [];
        try
        {
            problems = await health.CheckAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Polly.ExecutionRejectedException && !cancellationToken.IsCancellationRequested)
        {
            LogHealthFailed(ex.GetType().Name, ex.Message);
        }

        var handled = outcomes.Select(o => (o.Key, o.Generation)).Concat(health.Handled).ToHashSet();
        foreach (var resumed in await dispatcher.ResumeOpenAsync(handled, cancellationToken))
        {
            if (resumed.Sent.Count > 0 || resumed.Failed.Count > 0) outcomes.Add(resumed);
        }

        LogSwept(from, to, observed.Count, found.Found.Count, found.Queries, duplicates.Count, outcomes.Count(o => o.Created), problems.Count);
        return new SweepResult(from, to, observed.Count, found, duplicates, outcomes, problems);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {window_from:o}–{window_to:o}: {observed} conversations, {discovered} discovered with {queries} list queries, {duplicates} duplicate groups, {alerts_created} new alerts, {webhook_problems} webhook problems")]
    private partial void LogSwept(DateTimeOffset window_from, DateTimeOffset window_to, int observed, int discovered, int queries, int duplicates, int alerts_created, int webhook_problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {group_key} has {count} conversations ({verdict}); this verdict does not alert")]
    private partial void LogNotAlerting(string group_key, int count, string verdict);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sibling discovery failed ({error_type}: {error}); grouping what is known")]
    private partial void LogDiscoveryFailed(string error_type, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook health check failed ({error_type}: {error})")]
    private partial void LogHealthFailed(string error_type, string error);
}

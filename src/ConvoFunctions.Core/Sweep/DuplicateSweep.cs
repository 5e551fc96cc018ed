using ConvoFunctions.Alerts;
using ConvoFunctions.Correlation;
using ConvoFunctions.Detection;
using ConvoFunctions.Initiation;
using ConvoFunctions.Metrics;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Sweep;

/// <summary>What one sweep did.</summary>
/// <param name="RowsRead">Table rows the sweep read for its changes and their neighbourhoods (not the alert ledger).</param>
internal sealed record SweepResult(
    DateTimeOffset From,
    DateTimeOffset To,
    int Changes,
    int Observed,
    int RowsRead,
    DiscoveryResult Discovery,
    IReadOnlyList<DuplicateGroup> Duplicates,
    IReadOnlyList<DuplicateGroup> Pending,
    IReadOnlyList<AlertOutcome> Alerts,
    IReadOnlyList<WebhookProblem> WebhookProblems,
    int Failures)
{
    /// <summary>The checkpoint the sweep saved (or kept): changes up to it are judged.</summary>
    public DateTimeOffset? Checkpoint { get; init; }

    /// <summary>A sweep that judged nothing and kept the checkpoint where it was.</summary>
    public static SweepResult Nothing(DateTimeOffset from, DateTimeOffset to) =>
        new(from, to, 0, 0, 0, DiscoveryResult.None, [], [], [], [], 0);
}

/// <summary>
/// One detection pass, driven by what changed: every conversation recorded or changed since the checkpoint, with all
/// other conversations of its call and those that started near it, whatever their age. It discovers siblings that
/// never sent a webhook, refetches conversations read too early to judge, groups by call and alerts each group whose
/// verdict is configured to alert, once per call. Then it retries unfinished alerts and checks the webhook's health.
/// Each stage and each group is isolated: an unexpected error is logged with the conversation ids and the rest goes on.
/// The checkpoint moves only at the end, and never past a change that could not be judged yet.
/// </summary>
internal sealed partial class DuplicateSweep(
    CorrelationRepository repository,
    SweepCheckpoint checkpoint,
    SiblingDiscovery discovery,
    AlertDispatcher dispatcher,
    AlertLedger ledger,
    AlertFactory factory,
    WebhookHealthCheck health,
    InitiationStore initiations,
    CallKeyMigration callKeys,
    PoisonQueue poison,
    IOptions<DetectionOptions> options,
    TimeProvider time,
    ConvoMetrics metrics,
    ILogger<DuplicateSweep> logger)
{
    /// <summary>
    /// Changes are re-read this far before the checkpoint: a change is stamped by the enriching instance's clock just
    /// before it is written, so one stamped a little before a sweep may become visible only after it.
    /// </summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(2);

    /// <summary>How long one sweep may spend moving rows to their new call keys; well inside the function timeout.</summary>
    public static readonly TimeSpan CallKeyMigrationBudget = TimeSpan.FromMinutes(3);

    /// <summary>One sweep, counted as completed (with its duration, changes and checkpoint lag) once it has saved its checkpoint.</summary>
    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var result = await SweepAsync(cancellationToken);
        metrics.SweepCompleted(result.Failures > 0, time.GetElapsedTime(started), result.Changes, result.To - (result.Checkpoint ?? result.To));
        return result;
    }

    private async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var rules = GroupingRules.From(settings);
        var now = time.GetUtcNow();
        var oldest = now - settings.LookBack;
        var through = await checkpoint.ReadAsync(cancellationToken) ?? oldest;
        var from = through - Overlap;
        // Judging before every row of a call is under one key could split a call in two: wait, and skip nothing.
        if (!await callKeys.RunAsync(CallKeyMigrationBudget, cancellationToken)) return SweepResult.Nothing(from, now) with { Checkpoint = through };
        var failures = 0;

        // A conversation recorded again in another hour has a change row in each bucket: its latest stands for it.
        var changes = (await repository.GetChangesAsync(from, now, cancellationToken))
            .GroupBy(c => c.RowKey, StringComparer.Ordinal)
            .Select(g => g.MaxBy(c => c.RecordedAt)!)
            .ToList();
        var changedIds = changes.Select(c => c.RowKey).ToHashSet(StringComparer.Ordinal);
        var neighbourhood = new ConversationNeighbourhood(repository);
        var gap = settings.FuzzyGap > settings.ProbableSiblingGap ? settings.FuzzyGap : settings.ProbableSiblingGap;
        var observed = new List<ObservedConversation>();
        var holdBack = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            try
            {
                observed.AddRange(await neighbourhood.AroundAsync(change, gap, cancellationToken));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                holdBack.Add(change.RowKey);
                LogStageFailed("read", change.RowKey, ex.GetType().Name, ex.Message);
            }
        }

        // Conversations read too early to judge, old enough now: read them again.
        var unsettled = Latest(observed).Where(c => !c.IsSettled(settings.SettleDelay) && now - c.StartTime >= settings.SettleDelay).ToList();
        if (unsettled.Count > 0) observed.AddRange(await Isolated("refresh", unsettled, () => discovery.RefreshAsync(unsettled, cancellationToken), []));

        // Calls that started but show no conversation: once settled, looked up through the list endpoint (NoConversation).
        var lonely = new List<ChangeRow>();
        if (settings.AlertingVerdicts.Contains(Verdict.NoConversation))
        {
            var keysSeen = Latest(observed).SelectMany(c => c.CallKeys).ToHashSet(StringComparer.Ordinal);
            foreach (var anchor in changes.Where(c => c.IsInitiation && c.SearchedAt is null
                                                     && !CorrelationKeys.SplitCallKeys(c.CallKeys).Any(keysSeen.Contains)))
            {
                // Without an agent there is nothing to ask the list endpoint for, so no look-up could ever clear it.
                if (string.IsNullOrEmpty(anchor.AgentId)) continue;
                if (now - anchor.RecordedAt < settings.SettleDelay) holdBack.Add(anchor.RowKey);
                else lonely.Add(anchor);
            }
        }

        // Discovery around the changes not searched yet (a re-read change that was searched keeps its budget for the rest).
        var unsearched = changes.Where(c => c.SearchedAt is null).ToDictionary(c => c.RowKey, StringComparer.Ordinal);
        var toSearch = Latest(observed).Where(c => unsearched.ContainsKey(c.ConversationId) && c.IsPhoneCall)
            .Concat(lonely.Select(AnchorOf)).ToList();
        // If discovery fails (the API down), every call it was to search waits for the next sweep.
        var found = await Isolated("discovery", toSearch,
            () => discovery.DiscoverAsync(toSearch, observed.Select(c => c.ConversationId).ToHashSet(StringComparer.Ordinal), cancellationToken),
            DiscoveryResult.None with { Unfinished = toSearch.Select(c => c.ConversationId).ToHashSet(StringComparer.Ordinal) });
        observed.AddRange(found.Found);
        if (found.Queries > 0 || found.Found.Count > 0)
        {
            // A call-start anchor is marked only once it has been judged below: a failed judgement must come round again.
            var anchors = lonely.Select(a => a.RowKey).ToHashSet(StringComparer.Ordinal);
            var searched = toSearch.Where(c => !found.Unfinished.Contains(c.ConversationId) && !anchors.Contains(c.ConversationId))
                .Select(c => unsearched[c.ConversationId]).ToList();
            await Isolated("discovery bookkeeping", [], async () => { await repository.MarkSearchedAsync(searched, now, cancellationToken); return true; }, false);
        }

        var relevant = changedIds.Concat(found.Found.Select(c => c.ConversationId)).ToHashSet(StringComparer.Ordinal);
        // A call-start request is a change of its call: the call is judged again, and flagged when it was asked twice.
        var anchored = changes.Where(c => c.IsInitiation).SelectMany(c => CorrelationKeys.SplitCallKeys(c.CallKeys)).ToHashSet(StringComparer.Ordinal);
        var considered = await Isolated("grouping", [], () => Task.FromResult<List<DuplicateGroup>?>(DuplicateGrouper.Group(observed, rules)
            .Where(g => g.ConversationIds.Any(relevant.Contains) || g.CallKeys.Any(anchored.Contains))
            .ToList()), null);
        var groups = considered?.Where(g => g.IsDuplicate).ToList();
        if (groups is null)
        {
            // Nothing could be judged: every change waits for the next sweep, the retries and the health check still run.
            holdBack.UnionWith(changedIds);
            groups = [];
        }

        var outcomes = new List<AlertOutcome>();
        var pending = new List<DuplicateGroup>();
        holdBack.UnionWith(found.Unfinished);
        foreach (var single in considered?.Where(g => !g.IsDuplicate && g.CallKeys.Any(anchored.Contains)) ?? [])
        {
            await Isolated("initiation requests", single.Conversations, async () => await WithInitiationsAsync(single, cancellationToken), single);
        }
        for (var i = 0; i < groups.Count; i++)
        {
            var group = groups[i];
            try
            {
                group = groups[i] = await WithInitiationsAsync(group, cancellationToken);
                if (group.Unsettled(settings.SettleDelay) is { Count: > 0 } young)
                {
                    // Judged only once settled: a conversation a few seconds old is still "initiated" and looks blank.
                    pending.Add(group);
                    holdBack.UnionWith(ChangesOf(group));
                    LogPending(group.Key, string.Join(", ", young.Select(c => c.ConversationId)));
                    continue;
                }
                if (!settings.AlertingVerdicts.Contains(group.Verdict))
                {
                    LogNotAlerting(group.Key, group.Conversations.Count, group.Verdict.Describe());
                    metrics.Duplicate(group.Verdict, group.Any(c => c.AgentId), alerted: false);
                    continue;
                }
                if (await AlertAsync(group, now, cancellationToken) is { } outcome) outcomes.Add(outcome);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                holdBack.UnionWith(ChangesOf(group));
                LogStageFailed("alert", string.Join(", ", group.ConversationIds), ex.GetType().Name, ex.Message);
            }
        }

        // One judgement per call, however often it was started.
        var judged = new List<ChangeRow>();
        foreach (var call in lonely.GroupBy(a => a.CallKeys, StringComparer.Ordinal))
        {
            var anchor = call.MinBy(a => a.RecordedAt)!;
            // Judged only after a look-up that finished: without one (no API key, discovery off, budget spent) it waits.
            if (found.Queries == 0 || found.Unfinished.Contains(anchor.RowKey)) continue;
            try
            {
                if (await NoConversationAsync(anchor, Latest(observed), now, cancellationToken) is { } outcome) outcomes.Add(outcome);
                judged.AddRange(call);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                holdBack.Add(anchor.RowKey);
                LogStageFailed("no-conversation alert", anchor.RowKey, ex.GetType().Name, ex.Message);
            }
        }
        if (judged.Count > 0)
        {
            await Isolated("no-conversation bookkeeping", [], async () => { await repository.MarkSearchedAsync(judged, now, cancellationToken); return true; }, false);
        }

        // The health check runs before the retries so that its own new alerts count as handled in this sweep.
        var agentsSeen = observed.Select(c => c.AgentId).Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var problems = await Isolated("webhook health", [], () => health.CheckAsync(agentsSeen, cancellationToken), (IReadOnlyList<WebhookProblem>)[]);
        metrics.PoisonDepth(await Isolated("poison queue", [], () => poison.CountAsync(cancellationToken), -1L));
        var handled = outcomes.Select(o => (o.Key, o.Generation)).Concat(health.Handled).ToHashSet();
        foreach (var resumed in await Isolated("alert retries", [], () => dispatcher.ResumeOpenAsync(handled, cancellationToken), (IReadOnlyList<AlertOutcome>)[]))
        {
            if (resumed.Sent.Count > 0 || resumed.Failed.Count > 0) outcomes.Add(resumed);
        }

        var next = NextCheckpoint(now, oldest, changes, holdBack);
        await checkpoint.SaveAsync(next, cancellationToken);

        var duplicates = groups.Except(pending).ToList();
        var rowsRead = changes.Count + neighbourhood.RowsRead;
        LogSwept(from, now, changes.Count, changedIds.Count, rowsRead, found.Found.Count, found.Queries, duplicates.Count, pending.Count,
            outcomes.Count(o => o.Created), problems.Count, failures);
        return new SweepResult(from, now, changes.Count, Latest(observed).Count, rowsRead, found, duplicates, pending, outcomes, problems, failures) { Checkpoint = next };

        // A group's changes: its conversations' and the call-start requests of its call.
        IEnumerable<string> ChangesOf(DuplicateGroup group) => group.ConversationIds.Concat(changes
            .Where(c => c.IsInitiation && CorrelationKeys.SplitCallKeys(c.CallKeys).Any(group.CallKeys.Contains)).Select(c => c.RowKey));

        async Task<T> Isolated<T>(string stage, IEnumerable<ObservedConversation> about, Func<Task<T>> run, T fallback)
        {
            try
            {
                return await run();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                LogStageFailed(stage, string.Join(", ", about.Select(c => c.ConversationId)), ex.GetType().Name, ex.Message);
                return fallback;
            }
        }
    }

    /// <summary>
    /// The group with the times of its call's initiation requests (one partition query per call key). A call asked
    /// twice or more is flagged at once, whether or not its conversations are complete: that is the evidence itself.
    /// </summary>
    private async Task<DuplicateGroup> WithInitiationsAsync(DuplicateGroup group, CancellationToken cancellationToken)
    {
        var keys = group.CallKeys;
        if (keys.Count == 0) return group;
        var requests = (await initiations.ForCallAsync(keys, cancellationToken)).Select(r => r.ReceivedAt).ToList();
        if (requests.Count >= 2) LogAskedTwice(group.Key, Diagnosis.Requests(requests), group.Conversations.Count);
        return group with { InitiationRequests = requests };
    }

    /// <summary>A call-start request as discovery searches around it: the call's key, agent and time, no conversation yet.</summary>
    private static ObservedConversation AnchorOf(ChangeRow anchor) => new(
        anchor.RowKey, anchor.AgentId ?? "", CorrelationKeys.SplitCallKeys(anchor.CallKeys).FirstOrDefault(), null, null, null, null,
        anchor.StartTime ?? anchor.RecordedAt, 0, Conversations.ConversationClassifier.Unknown, false, 0, null);

    /// <summary>Raises the NoConversation alert of a started call when, after the look-up, still no conversation carries its key.</summary>
    private async Task<AlertOutcome?> NoConversationAsync(
        ChangeRow anchor, IReadOnlyList<ObservedConversation> observed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var keys = CorrelationKeys.SplitCallKeys(anchor.CallKeys);
        if (keys.Count == 0 || observed.Any(c => c.CallKeys.Any(keys.Contains))) return null;
        var requests = await initiations.ForCallAsync(keys, cancellationToken);
        if (requests.Count == 0) return null;
        var alert = factory.ForNoConversation(keys[0], requests[0].AgentId ?? anchor.AgentId,
            Privacy.PhoneMask.Mask(requests.Select(r => r.CallerId).FirstOrDefault(c => c is not null), "unknown"),
            requests.Select(r => r.ReceivedAt).ToList(), now);
        var outcome = await dispatcher.RaiseAsync(alert, suppressIfHigherExists: true, cancellationToken);
        metrics.CallAlerted(Verdict.NoConversation, requests[0].AgentId ?? anchor.AgentId, outcome, Alert.NoConversationKind, requests[0].ReceivedAt + options.Value.SettleDelay, time.GetUtcNow());
        return outcome;
    }

    /// <summary>Raises the call's alert, or its follow-up, under the identity the call already has.</summary>
    private async Task<AlertOutcome?> AlertAsync(DuplicateGroup group, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A call keeps the key of its first alert, however its members were found or keyed since.
        var key = (await ledger.AlertKeysOfAsync(group.ConversationIds, cancellationToken)).FirstOrDefault() ?? group.Key;
        // The members are recorded before anything is raised: should the raise fail half-way, the next sweep still
        // finds this key, even if the group's own key has changed by then (a new alias, an earlier member).
        await ledger.RecordMembersAsync(key, group.ConversationIds, cancellationToken);
        var previous = await dispatcher.EarlierGenerationAsync(key, AlertFactory.Generation(group), cancellationToken);
        var outcome = await dispatcher.RaiseAsync(factory.ForDuplicate(group, key, previous, now), suppressIfHigherExists: true, cancellationToken);
        metrics.CallAlerted(group.Verdict, group.Any(c => c.AgentId), outcome, Alert.DuplicateKind, SweepMetrics.SettledAt(group, options.Value.SettleDelay), time.GetUtcNow());
        return outcome;
    }

    /// <summary>
    /// Up to now, unless a change could not be finished (not settled, discovery not done, an error): then up to just
    /// before the earliest of those, so the next sweep reads it again; but never further back than <c>LookBack</c>.
    /// </summary>
    private DateTimeOffset NextCheckpoint(DateTimeOffset now, DateTimeOffset oldest, IReadOnlyList<ChangeRow> changes, IReadOnlySet<string> holdBack)
    {
        var held = changes.Where(c => holdBack.Contains(c.RowKey)).Select(c => (DateTimeOffset?)c.RecordedAt).Min();
        if (held is not { } at) return now;
        if (at < oldest)
        {
            LogGaveUpHolding(at, oldest);
            return oldest;
        }
        return at;
    }

    /// <summary>One entry per conversation, the last read winning.</summary>
    private static List<ObservedConversation> Latest(IEnumerable<ObservedConversation> conversations) =>
        conversations.GroupBy(c => c.ConversationId, StringComparer.Ordinal)
            .Select(g => g.OrderBy(c => c.ReadAt ?? DateTimeOffset.MinValue).Last())
            .ToList();

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep of changes {changes_from:o}–{changes_to:o}: {changes} changes ({conversations_changed} conversations), {rows_read} rows read, {discovered} discovered with {queries} list queries, {duplicates} duplicate groups, {pending} waiting to settle, {alerts_created} new alerts, {webhook_problems} webhook problems, {failures} isolated failures")]
    private partial void LogSwept(DateTimeOffset changes_from, DateTimeOffset changes_to, int changes, int conversations_changed, int rows_read, int discovered, int queries,
        int duplicates, int pending, int alerts_created, int webhook_problems, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {group_key} has {count} conversations ({verdict}); this verdict does not alert")]
    private partial void LogNotAlerting(string group_key, int count, string verdict);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {group_key} was started more than once: {initiation_requests}; {conversations} conversations so far")]
    private partial void LogAskedTwice(string group_key, string initiation_requests, int conversations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {group_key} waits to be judged: {conversation_ids} not settled yet")]
    private partial void LogPending(string group_key, string conversation_ids);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweep stage {stage} failed for conversations [{conversation_ids}] ({error_type}: {error}); the rest of the sweep goes on")]
    private partial void LogStageFailed(string stage, string conversation_ids, string error_type, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A change recorded at {recorded_at:o} still cannot be judged; the checkpoint no longer waits for it beyond {oldest:o}")]
    private partial void LogGaveUpHolding(DateTimeOffset recorded_at, DateTimeOffset oldest);
}

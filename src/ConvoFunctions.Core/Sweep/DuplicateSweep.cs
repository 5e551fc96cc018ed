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
/// The checkpoint moves after each batch judged, only forward and in the storage service's time, never past a change
/// that could not be judged yet.
/// </summary>
internal sealed partial class DuplicateSweep(
    CorrelationRepository repository,
    SweepCheckpoint checkpoint,
    SweepLease lease,
    SiblingDiscovery discovery,
    AlertDispatcher dispatcher,
    AlertLedger ledger,
    AlertFactory factory,
    Incidents incidents,
    IncidentRecords incidentRecords,
    WebhookHealthCheck health,
    InitiationStore initiations,
    CallKeyMigration callKeys,
    SharedCallIdNotice sharedCallIds,
    CallEvidence evidence,
    PoisonQueue poison,
    IOptions<DetectionOptions> options,
    TimeProvider time,
    ConvoMetrics metrics,
    ILogger<DuplicateSweep> logger)
{
    /// <summary>
    /// Changes are re-read this far before the checkpoint: a change is stamped with the storage service's time just
    /// before it is written (<see cref="CorrelationRepository"/>), so one stamped a little before a sweep may become
    /// visible only after it.
    /// </summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(2);

    /// <summary>How long one sweep may spend moving rows to their new call keys; well inside the function timeout.</summary>
    public static readonly TimeSpan CallKeyMigrationBudget = TimeSpan.FromMinutes(3);

    /// <summary>Changes judged together: their reads, discovery and alerts, then the checkpoint saved.</summary>
    public const int BatchSize = 250;

    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken)
    {
        if (await lease.TryAcquireAsync(cancellationToken) is { } holder)
        {
            LogLeaseHeld(holder.Owner, holder.Until);
            var at = time.GetUtcNow();
            return SweepResult.Nothing(at, at);
        }
        try
        {
            // Counted as completed (with its duration, changes and checkpoint lag) once it has saved its checkpoint.
            var started = time.GetTimestamp();
            var result = await SweepAsync(cancellationToken);
            metrics.SweepCompleted(result.Failures > 0, time.GetElapsedTime(started), result.Changes, result.To - (result.Checkpoint ?? result.To));
            return result;
        }
        finally
        {
            await lease.ReleaseAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Judges one call now, as the sweep would, from a conversation of it (<see cref="CallCheck"/>): its neighbourhood,
    /// refreshes, grouping and alerts, without discovery or the checkpoint, which stay the sweep's. Safe beside a
    /// running sweep: the ledger and the incidents decide each alert once, whoever judges the call first.
    /// </summary>
    /// <returns>When the call can be judged, if a conversation of it is still too young; null when it was judged.</returns>
    public async Task<DateTimeOffset?> CheckAsync(ChangeRow change, CancellationToken cancellationToken)
    {
        // While call keys are being migrated a call may sit under two keys: only the sweep judges then.
        if (!await callKeys.RunAsync(TimeSpan.Zero, cancellationToken)) return null;
        var now = time.GetUtcNow();
        var pass = new Pass(cancellationToken, this);
        await JudgeAsync([change], now, pass, cancellationToken);
        return pass.Pending.Count == 0 ? null
            : pass.Pending.Values.SelectMany(g => g.Unsettled(options.Value.SettleDelay)).Max(c => c.StartTime) + options.Value.SettleDelay;
    }

    private async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var startedAt = time.GetUtcNow();
        // The storage service's time, as the changes are stamped: an instance minutes off judges the same window.
        var (stored, now) = await checkpoint.BeginAsync(cancellationToken);
        NoteClockOffset(now - startedAt);
        var oldest = now - settings.LookBack;
        var through = stored ?? oldest;
        var from = through - Overlap;
        // Judging before every row of a call is under one key could split a call in two: wait, and skip nothing.
        if (!await callKeys.RunAsync(CallKeyMigrationBudget, cancellationToken)) return SweepResult.Nothing(from, now) with { Checkpoint = through };

        var pass = new Pass(cancellationToken, this);
        var changes = await pass.Isolated("changes", [], () => ReadChangesAsync(from, now, cancellationToken), null);
        var batches = Batches(changes ?? [], through);
        var held = new List<DateTimeOffset>();
        DateTimeOffset? saved = through;
        for (var b = 0; b < batches.Count; b++)
        {
            // A window too large for one run is judged over several: each batch saves its progress.
            if (b > 0 && time.GetUtcNow() - startedAt >= settings.SweepBudget)
            {
                LogCutShort(b, batches.Count, time.GetUtcNow() - startedAt, batches[b][0].RecordedAt);
                pass.CutShort = true;
                break;
            }
            var batch = batches[b];
            var holdBack = await JudgeAsync(batch, now, pass, cancellationToken);
            held.AddRange(batch.Where(c => holdBack.Contains(c.RowKey)).Select(c => c.RecordedAt));
            var batchEnd = b + 1 < batches.Count ? batches[b + 1][0].RecordedAt : now;
            saved = await checkpoint.SaveAsync(NextCheckpoint(batchEnd, oldest, held), cancellationToken);
        }
        if (changes is not null && batches.Count == 0) saved = await checkpoint.SaveAsync(now, cancellationToken);

        // Every sweep, however its judging went: incidents' roll-ups and resolutions, telephony follow-ups, the webhook's
        // health, the retries of unfinished alerts.
        pass.Outcomes.AddRange(await pass.Isolated("incidents", [], () => incidents.TickAsync(pass.AgentLastCalls, cancellationToken), (IReadOnlyList<AlertOutcome>)[]));
        pass.Outcomes.AddRange(await pass.Isolated("telephony evidence", [], () => evidence.FollowUpAsync(cancellationToken), (IReadOnlyList<AlertOutcome>)[]));
        var problems = await pass.Isolated("webhook health", [], () => health.CheckAsync(pass.AgentsSeen, cancellationToken), (IReadOnlyList<WebhookProblem>)[]);
        metrics.PoisonDepth(await pass.Isolated("poison queue", [], () => poison.CountAsync(cancellationToken), -1L));
        var handled = pass.Outcomes.Select(o => (o.Key, o.Generation)).Concat(health.Handled).ToHashSet();
        foreach (var resumed in await pass.Isolated("alert retries", [], () => dispatcher.ResumeOpenAsync(handled, cancellationToken), (IReadOnlyList<AlertOutcome>)[]))
        {
            if (resumed.Sent.Count > 0 || resumed.Failed.Count > 0) pass.Outcomes.Add(resumed);
        }

        var changeCount = changes?.Count ?? 0;
        LogSwept(from, now, changeCount, pass.RowsRead, pass.Found.Count, pass.Queries, pass.Duplicates.Count, pass.Pending.Count,
            pass.Outcomes.Count(o => o.Created), problems.Count, pass.Failures);
        return new SweepResult(from, now, changeCount, pass.Observed, pass.RowsRead + changeCount,
            new DiscoveryResult(pass.Found, pass.Queries, pass.Details, pass.Truncated || pass.CutShort, pass.Unfinished) { Elapsed = pass.DiscoveryTime },
            pass.Duplicates.Values.ToList(), pass.Pending.Values.ToList(), pass.Outcomes, problems, pass.Failures) { Checkpoint = saved };
    }

    /// <summary>
    /// The changes in batches of <see cref="BatchSize"/>, oldest first. Those re-read in the overlap before the
    /// checkpoint ride along with the first batch instead of filling it: were a batch's worth of them in the overlap,
    /// every run would judge the same batch again and never move on.
    /// </summary>
    private static List<IReadOnlyList<ChangeRow>> Batches(IReadOnlyList<ChangeRow> changes, DateTimeOffset through)
    {
        var batches = changes.Where(c => c.RecordedAt >= through).Chunk(BatchSize).Select(b => (IReadOnlyList<ChangeRow>)b).ToList();
        var overlap = changes.Where(c => c.RecordedAt < through).ToList();
        if (overlap.Count == 0) return batches;
        if (batches.Count == 0) batches.Add(overlap);
        else batches[0] = [.. overlap, .. batches[0]];
        return batches;
    }

    /// <summary>The changes since <paramref name="from"/>, the latest per conversation, oldest first.</summary>
    private async Task<List<ChangeRow>?> ReadChangesAsync(DateTimeOffset from, DateTimeOffset now, CancellationToken cancellationToken) =>
        // A conversation recorded again in another hour has a change row in each bucket: its latest stands for it.
        (await repository.GetChangesAsync(from, now, cancellationToken))
            .GroupBy(c => c.RowKey, StringComparer.Ordinal)
            .Select(g => g.MaxBy(c => c.RecordedAt)!)
            .OrderBy(c => c.RecordedAt).ThenBy(c => c.RowKey, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// One batch of changes: their neighbourhoods, refreshes, discovery, grouping and alerts, each stage isolated.
    /// Returns the changes that could not be finished (held back: the checkpoint stays before them).
    /// </summary>
    private async Task<HashSet<string>> JudgeAsync(IReadOnlyList<ChangeRow> changes, DateTimeOffset now, Pass pass, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var changedIds = changes.Select(c => c.RowKey).ToHashSet(StringComparer.Ordinal);
        var holdBack = new HashSet<string>(StringComparer.Ordinal);
        var observed = await ObserveAsync(changes, holdBack, pass, cancellationToken);

        // Conversations read too early to judge, old enough now: read them again.
        var unsettled = Latest(observed).Where(c => !c.IsSettled(settings.SettleDelay) && now - c.StartTime >= settings.SettleDelay).ToList();
        if (unsettled.Count > 0) observed.AddRange(await pass.Isolated("refresh", unsettled, () => discovery.RefreshAsync(unsettled, cancellationToken), []));

        var lonely = LonelyCallStarts(changes, observed, now, holdBack);
        var found = await DiscoverAsync(changes, observed, lonely, now, pass, cancellationToken);
        observed.AddRange(found.Found);
        holdBack.UnionWith(found.Unfinished);

        var relevant = changedIds.Concat(found.Found.Select(c => c.ConversationId)).ToHashSet(StringComparer.Ordinal);
        // A call-start request is a change of its call: the call is judged again, and flagged when it was asked twice.
        var anchored = changes.Where(c => c.IsInitiation).SelectMany(c => CorrelationKeys.SplitCallKeys(c.CallKeys)).ToHashSet(StringComparer.Ordinal);
        var considered = await GroupAsync(observed, relevant, anchored, pass, cancellationToken);
        if (considered is null)
        {
            // Nothing could be judged: every change waits for the next sweep, the retries and the health check still run.
            holdBack.UnionWith(changedIds);
            considered = [];
        }
        await AlertGroupsAsync(considered, changes, anchored, now, holdBack, pass, cancellationToken);
        await JudgeLonelyCallStartsAsync(lonely, found, observed, now, holdBack, pass, cancellationToken);

        pass.Observed += Latest(observed).Count;
        pass.AgentsSeen.UnionWith(observed.Select(c => c.AgentId).Where(a => a.Length > 0));
        pass.SawCalls(considered);
        return holdBack;
    }

    /// <summary>The conversations around each change: its calls and those that started near it.</summary>
    private async Task<List<ObservedConversation>> ObserveAsync(IReadOnlyList<ChangeRow> changes, HashSet<string> holdBack, Pass pass, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var neighbourhood = new ConversationNeighbourhood(repository);
        var gap = settings.FuzzyGap > settings.ProbableSiblingGap ? settings.FuzzyGap : settings.ProbableSiblingGap;
        var observed = new List<ObservedConversation>();
        foreach (var change in changes)
        {
            try
            {
                observed.AddRange(await neighbourhood.AroundAsync(change, gap, cancellationToken));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                pass.Failures++;
                holdBack.Add(change.RowKey);
                LogStageFailed("read", change.RowKey, ex.GetType().Name, ex.Message);
            }
        }
        pass.RowsRead += neighbourhood.RowsRead;
        return observed;
    }

    /// <summary>Calls that started but show no conversation: once settled, looked up through the list endpoint (NoConversation).</summary>
    private List<ChangeRow> LonelyCallStarts(IReadOnlyList<ChangeRow> changes, List<ObservedConversation> observed, DateTimeOffset now, HashSet<string> holdBack)
    {
        var settings = options.Value;
        var lonely = new List<ChangeRow>();
        if (!settings.AlertingVerdicts.Contains(Verdict.NoConversation)) return lonely;
        var keysSeen = Latest(observed).SelectMany(c => c.CallKeys).ToHashSet(StringComparer.Ordinal);
        foreach (var anchor in changes.Where(c => c.IsInitiation && c.SearchedAt is null
                                                 && !CorrelationKeys.SplitCallKeys(c.CallKeys).Any(keysSeen.Contains)))
        {
            // Without an agent there is nothing to ask the list endpoint for, so no look-up could ever clear it.
            if (string.IsNullOrEmpty(anchor.AgentId)) continue;
            if (now - anchor.RecordedAt < settings.SettleDelay) holdBack.Add(anchor.RowKey);
            else lonely.Add(anchor);
        }
        return lonely;
    }

    /// <summary>Discovery around the changes not searched yet (a re-read change that was searched keeps its budget for the rest).</summary>
    private async Task<DiscoveryResult> DiscoverAsync(
        IReadOnlyList<ChangeRow> changes, List<ObservedConversation> observed, List<ChangeRow> lonely, DateTimeOffset now, Pass pass, CancellationToken cancellationToken)
    {
        var unsearched = changes.Where(c => c.SearchedAt is null).ToDictionary(c => c.RowKey, StringComparer.Ordinal);
        var toSearch = Latest(observed).Where(c => unsearched.ContainsKey(c.ConversationId) && c.IsPhoneCall)
            .Concat(lonely.Select(AnchorOf)).ToList();
        // If discovery fails (the API down), every call it was to search waits for the next sweep.
        var found = await pass.Isolated("discovery", toSearch,
            () => discovery.DiscoverAsync(toSearch, observed.Select(c => c.ConversationId).ToHashSet(StringComparer.Ordinal), cancellationToken),
            DiscoveryResult.None with { Unfinished = toSearch.Select(c => c.ConversationId).ToHashSet(StringComparer.Ordinal) });
        pass.Add(found);
        if (found.Queries > 0 || found.Found.Count > 0)
        {
            // A call-start anchor is marked only once it has been judged: a failed judgement must come round again.
            var anchors = lonely.Select(a => a.RowKey).ToHashSet(StringComparer.Ordinal);
            var searched = toSearch.Where(c => !found.Unfinished.Contains(c.ConversationId) && !anchors.Contains(c.ConversationId))
                .Select(c => unsearched[c.ConversationId]).ToList();
            await pass.Isolated("discovery bookkeeping", [], async () => { await repository.MarkSearchedAsync(searched, now, cancellationToken); return true; }, false);
        }
        return found;
    }

    /// <summary>The groups that hold a change, a discovered conversation or a started call; null when grouping failed.</summary>
    private async Task<List<DuplicateGroup>?> GroupAsync(
        List<ObservedConversation> observed, IReadOnlySet<string> relevant, IReadOnlySet<string> anchored, Pass pass, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // Without the ledger's answer a probable sibling joins its nearest call, as before it was ever alerted.
        var alertedWith = await pass.Isolated("alerted members", [], () => AlertedSessionsAsync(Latest(observed), settings.ProbableSiblingGap, cancellationToken), null);
        var rules = GroupingRules.From(settings) with { AlertedWith = alertedWith };
        var shared = new HashSet<string>(StringComparer.Ordinal);
        var considered = await pass.Isolated("grouping", [], () => Task.FromResult<List<DuplicateGroup>?>(DuplicateGrouper.Group(observed, rules, shared)
            .Where(g => g.ConversationIds.Any(relevant.Contains) || g.CallKeys.Any(anchored.Contains))
            .ToList()), null);
        sharedCallIds.Notice(shared);
        return considered;
    }

    /// <summary>Each duplicate group judged once settled and alerted when its verdict alerts; each group isolated.</summary>
    private async Task AlertGroupsAsync(
        List<DuplicateGroup> considered, IReadOnlyList<ChangeRow> changes, IReadOnlySet<string> anchored, DateTimeOffset now,
        HashSet<string> holdBack, Pass pass, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        foreach (var single in considered.Where(g => !g.IsDuplicate && g.CallKeys.Any(anchored.Contains)))
        {
            await pass.Isolated("initiation requests", single.Conversations, async () => await WithInitiationsAsync(single, cancellationToken), single);
        }
        foreach (var candidate in considered.Where(g => g.IsDuplicate))
        {
            var group = candidate;
            try
            {
                group = await WithInitiationsAsync(group, cancellationToken);
                if (group.Unsettled(settings.SettleDelay) is { Count: > 0 } young)
                {
                    // Judged only once settled: a conversation a few seconds old is still "initiated" and looks blank.
                    pass.Pending[group.Key] = group;
                    holdBack.UnionWith(ChangesOf(group));
                    LogPending(group.Key, string.Join(", ", young.Select(c => c.ConversationId)));
                    continue;
                }
                pass.Pending.Remove(group.Key);
                pass.Duplicates[group.Key] = group;
                if (!settings.AlertingVerdicts.Contains(group.Verdict))
                {
                    LogNotAlerting(group.Key, group.Conversations.Count, group.Verdict.Describe());
                    metrics.Duplicate(group.Verdict, group.Any(c => c.AgentId), alerted: false);
                    continue;
                }
                var routed = await AlertAsync(group, now, cancellationToken);
                pass.Outcomes.AddRange(new[] { routed.Call, routed.Post }.OfType<AlertOutcome>());
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                pass.Failures++;
                holdBack.UnionWith(ChangesOf(group));
                LogStageFailed("alert", string.Join(", ", group.ConversationIds), ex.GetType().Name, ex.Message);
            }
        }

        // A group's changes: its conversations' and the call-start requests of its call.
        IEnumerable<string> ChangesOf(DuplicateGroup group) => group.ConversationIds.Concat(changes
            .Where(c => c.IsInitiation && CorrelationKeys.SplitCallKeys(c.CallKeys).Any(group.CallKeys.Contains)).Select(c => c.RowKey));
    }

    /// <summary>One NoConversation judgement per started call, however often it was started, after a look-up that finished.</summary>
    private async Task JudgeLonelyCallStartsAsync(
        List<ChangeRow> lonely, DiscoveryResult found, List<ObservedConversation> observed, DateTimeOffset now,
        HashSet<string> holdBack, Pass pass, CancellationToken cancellationToken)
    {
        var judged = new List<ChangeRow>();
        foreach (var call in lonely.GroupBy(a => a.CallKeys, StringComparer.Ordinal))
        {
            var anchor = call.MinBy(a => a.RecordedAt)!;
            // Judged only after a look-up that finished: without one (no API key, discovery off, budget spent) it waits.
            if (found.Queries == 0 || found.Unfinished.Contains(anchor.RowKey)) continue;
            try
            {
                if (await NoConversationAsync(anchor, Latest(observed), now, cancellationToken) is { } outcome) pass.Outcomes.Add(outcome);
                judged.AddRange(call);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                pass.Failures++;
                holdBack.Add(anchor.RowKey);
                LogStageFailed("no-conversation alert", anchor.RowKey, ex.GetType().Name, ex.Message);
            }
        }
        if (judged.Count > 0)
        {
            await pass.Isolated("no-conversation bookkeeping", [], async () => { await repository.MarkSearchedAsync(judged, now, cancellationToken); return true; }, false);
        }
    }

    /// <summary>What one run has done so far, over its batches; its stages run isolated through <see cref="Isolated"/>.</summary>
    private sealed class Pass(CancellationToken cancellationToken, DuplicateSweep sweep)
    {
        public int Failures { get; set; }
        public int RowsRead { get; set; }
        public int Observed { get; set; }
        public int Queries { get; private set; }
        public int Details { get; private set; }
        public bool Truncated { get; private set; }
        public TimeSpan DiscoveryTime { get; private set; }
        public bool CutShort { get; set; }
        public List<ObservedConversation> Found { get; } = [];
        public HashSet<string> Unfinished { get; } = new(StringComparer.Ordinal);
        public HashSet<string> AgentsSeen { get; } = new(StringComparer.Ordinal);
        // The latest phone call of each agent: an incident resolves only when calls went on without duplicates.
        public Dictionary<string, DateTimeOffset> AgentLastCalls { get; } = new(StringComparer.Ordinal);
        // By key: a call with changes in two batches is judged in both; its latest judgement stands.
        public Dictionary<string, DuplicateGroup> Duplicates { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, DuplicateGroup> Pending { get; } = new(StringComparer.Ordinal);
        public List<AlertOutcome> Outcomes { get; } = [];

        /// <summary>Notes each agent's latest call by when the call started (a duplicate's own twin is not a later call).</summary>
        public void SawCalls(IEnumerable<DuplicateGroup> calls)
        {
            foreach (var call in calls.Where(g => g.Conversations.Any(c => c.IsPhoneCall)))
            {
                if (call.Any(c => c.AgentId) is not { } agent) continue;
                var started = call.Conversations.Min(c => c.StartTime);
                if (!AgentLastCalls.TryGetValue(agent, out var last) || started > last) AgentLastCalls[agent] = started;
            }
        }

        public void Add(DiscoveryResult result)
        {
            Found.AddRange(result.Found);
            Queries += result.Queries;
            Details += result.Details;
            Truncated |= result.Truncated;
            DiscoveryTime += result.Elapsed;
            Unfinished.UnionWith(result.Unfinished);
        }

        /// <summary>Runs one stage; an unexpected error is logged with the conversations it concerned, and the rest goes on.</summary>
        public async Task<T> Isolated<T>(string stage, IEnumerable<ObservedConversation> about, Func<Task<T>> run, T fallback)
        {
            try
            {
                return await run();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Failures++;
                sweep.LogStageFailed(stage, string.Join(", ", about.Select(c => c.ConversationId)), ex.GetType().Name, ex.Message);
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

    /// <summary>
    /// The alerts that sessions which may be probable siblings, and the phone calls near them, were alerted with: such a
    /// session stays with the call it was alerted with (<see cref="GroupingRules.AlertedWith"/>).
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>?> AlertedSessionsAsync(
        IReadOnlyList<ObservedConversation> observed, TimeSpan gap, CancellationToken cancellationToken)
    {
        var sessions = observed.Where(c => !c.IsPhoneCall && c.MayBeProbableSibling).ToList();
        if (sessions.Count == 0) return null;
        var near = observed.Where(k => k.IsPhoneCall && sessions.Any(s => s.AgentId == k.AgentId && (k.StartTime - s.StartTime).Duration() <= gap));
        return await ledger.AlertedWithAsync(sessions.Concat(near).Select(c => c.ConversationId), cancellationToken);
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

    /// <summary>
    /// Raises the call's alert, or its follow-up, under the identity the call already has; its pattern's incident
    /// decides whether it is posted on its own or counted in the incident.
    /// </summary>
    private async Task<IncidentOutcome> AlertAsync(DuplicateGroup group, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A call keeps the key of its first alert, however its members were found or keyed since; a first alert claims its
        // key, unless another call sharing the telephony id took it first.
        var key = (await ledger.AlertKeysOfAsync(group.ConversationIds, cancellationToken)).FirstOrDefault()
                  ?? await ledger.ClaimKeyAsync(group.Key, group.ConversationIds, DuplicateGroup.SharedKey(group.Key, group.First.ConversationId), cancellationToken);
        // The members are recorded before anything is raised: should the raise fail half-way, the next sweep still
        // finds this key, even if the group's own key has changed by then (a new alias, an earlier member).
        await ledger.RecordMembersAsync(key, group.ConversationIds, cancellationToken);
        var previous = await dispatcher.EarlierGenerationAsync(key, AlertFactory.Generation(group), cancellationToken);
        // Telephony evidence is read only for an alert not raised yet (a call judged again raises nothing new), and the
        // ledger asked only when there is evidence to read: no extra read per call judged again without Twilio or SIP.
        var telephony = evidence.MayRead(group) && await ledger.GetAsync(key, AlertFactory.Generation(group), cancellationToken) is null
                        && await incidentRecords.CallAsync(key, cancellationToken) is not { Folded: true }
            ? await evidence.ReadAsync(group, cancellationToken)
            : null;
        var alert = factory.ForDuplicate(group, key, previous, now, telephony);
        var pattern = new IncidentPattern(group.Any(c => c.AgentId) ?? "unknown", group.Verdict, Diagnosis.Find(group, telephony).Kind);
        var routed = await incidents.RaiseAsync(alert, pattern, group.Conversations.Min(c => c.StartTime), cancellationToken);
        metrics.CallAlerted(group.Verdict, group.Any(c => c.AgentId), routed, SweepMetrics.SettledAt(group, options.Value.SettleDelay), time.GetUtcNow());
        if (routed.Call is { Created: true }) await evidence.ScheduleAsync(alert, group, telephony, cancellationToken);
        return routed;
    }

    /// <summary>
    /// Up to <paramref name="through"/> (the end of the batches judged), unless a change could not be finished (not
    /// settled, discovery not done, an error): then up to just before the earliest of those, so the next sweep reads it
    /// again; but never further back than <c>LookBack</c>.
    /// </summary>
    private DateTimeOffset NextCheckpoint(DateTimeOffset through, DateTimeOffset oldest, IReadOnlyList<DateTimeOffset> held)
    {
        if (held.Count == 0) return through;
        var at = held.Min();
        if (at < oldest)
        {
            LogGaveUpHolding(at, oldest);
            return oldest;
        }
        return at < through ? at : through;
    }

    /// <summary>
    /// Beyond this an instance's clock is worth telling its operator about, every sweep until fixed (as a held lease is):
    /// the sweep's window and checkpoint go by the service's time, but the instance's other timings (incident windows,
    /// queue delays, early checks) still go by its own clock.
    /// </summary>
    private static readonly TimeSpan NotableClockOffset = TimeSpan.FromMinutes(1);

    private void NoteClockOffset(TimeSpan offset)
    {
        if (offset.Duration() > NotableClockOffset) LogClockOffset(-offset);
    }

    /// <summary>One entry per conversation, the last read winning.</summary>
    private static List<ObservedConversation> Latest(IEnumerable<ObservedConversation> conversations) =>
        conversations.GroupBy(c => c.ConversationId, StringComparer.Ordinal)
            .Select(g => g.OrderBy(c => c.ReadAt ?? DateTimeOffset.MinValue).Last())
            .ToList();

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep of changes {changes_from:o}–{changes_to:o}: {changes} changes, {rows_read} rows read, {discovered} discovered with {queries} list queries, {duplicates} duplicate groups, {pending} waiting to settle, {alerts_created} new alerts, {webhook_problems} webhook problems, {failures} isolated failures")]
    private partial void LogSwept(DateTimeOffset changes_from, DateTimeOffset changes_to, int changes, int rows_read, int discovered, int queries,
        int duplicates, int pending, int alerts_created, int webhook_problems, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep skipped: another sweeper ({owner}) holds this storage account's sweep until {until:o}. Two sweepers (a convo serve --storage against the deployed account, a second app) would judge the same changes with different clocks; only one runs at a time.")]
    private partial void LogLeaseHeld(string owner, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep cut short by Detection:SweepBudget after {batches_done} of {batches} batches ({elapsed}); progress is saved and the next sweep continues from {resume_from:o}")]
    private partial void LogCutShort(int batches_done, int batches, TimeSpan elapsed, DateTimeOffset resume_from);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "This instance's clock is {clock_offset} off the storage service's (positive: ahead); the sweep goes by the service's time, so its window and checkpoint are unaffected, but the machine's time sync needs fixing")]
    private partial void LogClockOffset(TimeSpan clock_offset);
}

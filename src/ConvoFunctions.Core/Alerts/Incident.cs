using System.Text.Json;
using System.Text.Json.Serialization;
using ConvoFunctions.Detection;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Alerts;

/// <summary>
/// What recurs: duplicates of one agent with one verdict and one kind of likely cause
/// (<see cref="Diagnosis.Find"/>). Its key names the incident in the ledger and in <c>convo calls</c>.
/// </summary>
internal sealed record IncidentPattern(string AgentId, Verdict Verdict, string Cause)
{
    public string Key => TableKeys.Sanitize($"{AgentId}~{Verdict}~{Cause}");

    /// <summary><c>real + blank duplicates (cause: different-sources)</c>.</summary>
    public string Describe() => $"{Verdict.Describe()} duplicates (cause: {Cause})";
}

/// <summary>One duplicate call as an incident keeps it: its alert key, when it started, and whether it was folded.</summary>
/// <param name="Example">Kept for the calls alerted one by one: they become the incident's first examples.</param>
internal sealed record IncidentCall(string Key, DateTimeOffset StartedAt, bool Folded, IncidentExample? Example = null);

/// <summary>One example call of an incident: what the support report and the card show of it (both ids, each status).</summary>
internal sealed record IncidentExample(string Call, DateTimeOffset StartedAt, IReadOnlyList<AlertConversation> Conversations)
{
    /// <summary>Conversations kept per example: the state row stays small, and two or three say what happened.</summary>
    public const int MaxConversations = 4;

    public static IncidentExample Of(Alert call, DateTimeOffset startedAt) => new(
        call.Facts.FirstOrDefault(f => f.Name == "Call")?.Value ?? call.Key, startedAt, [.. call.Conversations.Take(MaxConversations)]);
}

/// <summary>Where an incident stands: watching (calls alerted one by one), open (calls folded), or resolved.</summary>
internal static class IncidentStatus
{
    public const string Watching = "watching";
    public const string Open = "open";
    public const string Resolved = "resolved";
}

/// <summary>
/// The state of one pattern's incident, kept as one row (ETag-conditioned) so that each decision and each post is
/// taken once however many sweeps run. Like Alertmanager's group and Sentry's issue: a first few calls alerted on their
/// own, then one incident with counts, roll-ups at most every interval, a resolution, and a regression when it comes
/// back. <see cref="Post"/> is the post it owes: written with the state, raised after it, raised again by the next
/// sweep when a crash came in between (the ledger makes the second raise a no-op when the first got through).
/// </summary>
internal sealed record Incident
{
    /// <summary>Calls kept for the threshold and for deciding a call again after a crash: the newest this many.</summary>
    public const int RecentKept = 50;

    /// <summary>Example calls in the opened post and in the support report.</summary>
    public const int MaxExamples = 5;

    public required IncidentPattern Pattern { get; init; }

    public string Status { get; init; } = IncidentStatus.Watching;

    /// <summary>1 for the first time it opened, then one more each time it came back.</summary>
    public int Episode { get; init; }

    public DateTimeOffset? FirstSeen { get; init; }

    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>Duplicate calls of this episode, those alerted one by one before it opened included.</summary>
    public int Count { get; init; }

    /// <summary>The likely cause as the call that opened it showed it.</summary>
    public string Cause { get; init; } = "";

    public IReadOnlyList<IncidentCall> Recent { get; init; } = [];

    public IReadOnlyList<IncidentExample> Examples { get; init; } = [];

    /// <summary>The latest phone call of the agent the sweep saw: calls after the last duplicate mean it stopped.</summary>
    public DateTimeOffset? AgentLastCall { get; init; }

    public DateTimeOffset? LastPostAt { get; init; }

    public int LastPostCount { get; init; }

    /// <summary>Posts of this episode so far: each one's ledger generation is <c>e{episode}-{sequence}</c>.</summary>
    public int Posts { get; init; }

    /// <summary>An open incident whose agent took no call at all for <c>ResolveAfter</c> stays open; a roll-up says so once.</summary>
    public bool QuietNoted { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    public Alert? Post { get; init; }

    public bool PostRaised { get; init; } = true;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static Incident FromJson(string json) =>
        JsonSerializer.Deserialize<Incident>(json, Json) ?? throw new JsonException("Empty incident state.");

    public double CallsPerHour =>
        FirstSeen is { } first && LastSeen is { } last && last - first >= TimeSpan.FromMinutes(1)
            ? Count / (last - first).TotalHours
            : Count;

    public string Generation(int sequence) => $"e{Episode:D4}-{sequence:D3}";
}

/// <summary>What became of one duplicate call: alerted on its own, or folded into its pattern's incident.</summary>
internal enum IncidentDecision
{
    PerCall,
    Folded,
}

/// <summary>The steps of an incident's life, as pure functions of its state: the store (<see cref="Incidents"/>) only persists them.</summary>
internal static class IncidentRules
{
    /// <summary>
    /// Takes in one duplicate call (its first alert, composed). The first <c>IncidentThreshold</c> calls within
    /// <c>IncidentWindow</c> stay per-call alerts; the next opens the incident, later ones fold into it; after a
    /// resolution a call that started later reopens it. A call it has already decided keeps its decision.
    /// </summary>
    public static (Incident Next, IncidentDecision Decision) Admit(Incident incident, Alert call, DateTimeOffset startedAt, AlertOptions settings, DateTimeOffset now)
    {
        if (incident.Recent.FirstOrDefault(r => r.Key == call.Key) is { } known)
            return (incident, known.Folded ? IncidentDecision.Folded : IncidentDecision.PerCall);

        switch (incident.Status)
        {
            case IncidentStatus.Open:
                return (Fold(incident, call, startedAt), IncidentDecision.Folded);

            case IncidentStatus.Resolved when startedAt > incident.LastSeen:
                var reopened = incident with
                {
                    Status = IncidentStatus.Open, Episode = incident.Episode + 1, FirstSeen = startedAt, LastSeen = startedAt, Count = 1,
                    Cause = Cause(call), Examples = [IncidentExample.Of(call, startedAt)], Recent = Keep(incident.Recent, new IncidentCall(call.Key, startedAt, true)),
                    QuietNoted = false, Posts = 0, LastPostCount = 0,
                };
                return (WithPost(reopened, IncidentPosts.Reopened(reopened, now), now), IncidentDecision.Folded);

            case IncidentStatus.Resolved:
                // A call from before the resolution, recorded late: counted with the episode it belongs to, no post.
                return (Fold(incident, call, startedAt), IncidentDecision.Folded);
        }

        var inWindow = incident.Recent
            .Where(r => !r.Folded && r.Example is not null && (r.StartedAt - startedAt).Duration() < settings.IncidentWindow)
            .OrderBy(r => r.StartedAt).ToList();
        if (inWindow.Count < settings.IncidentThreshold)
        {
            return (incident with { Recent = Keep(incident.Recent, new IncidentCall(call.Key, startedAt, false, IncidentExample.Of(call, startedAt))) }, IncidentDecision.PerCall);
        }

        var opened = incident with
        {
            Status = IncidentStatus.Open,
            Episode = incident.Episode + 1,
            FirstSeen = inWindow.Select(r => r.StartedAt).Append(startedAt).Min(),
            LastSeen = inWindow.Select(r => r.StartedAt).Append(startedAt).Max(),
            Count = inWindow.Count + 1,
            Cause = Cause(call),
            Examples = [.. inWindow.Select(r => r.Example!).Append(IncidentExample.Of(call, startedAt)).Take(Incident.MaxExamples)],
            Recent = Keep([.. incident.Recent.Select(r => r with { Example = null })], new IncidentCall(call.Key, startedAt, true)),
            ResolvedAt = null, QuietNoted = false, Posts = 0, LastPostCount = 0,
        };
        return (WithPost(opened, IncidentPosts.Opened(opened, now), now), IncidentDecision.Folded);
    }

    /// <summary>
    /// What an open incident owes at <paramref name="now"/>: its resolution once no duplicate started for
    /// <c>ResolveAfter</c> while the agent took calls; a roll-up when calls joined since the last post and
    /// <c>RollupInterval</c> has passed; one roll-up saying it stays open when the agent took no call at all. Null when
    /// nothing is due.
    /// </summary>
    public static Incident? Tick(Incident incident, DateTimeOffset? agentLastCall, AlertOptions settings, DateTimeOffset now)
    {
        if (incident.Status != IncidentStatus.Open || incident.LastSeen is not { } lastSeen) return null;
        var seen = Max(incident.AgentLastCall, agentLastCall);
        var quiet = now - lastSeen >= settings.ResolveAfter;
        if (quiet && seen > lastSeen)
        {
            var resolved = incident with { Status = IncidentStatus.Resolved, ResolvedAt = now, AgentLastCall = seen };
            return WithPost(resolved, IncidentPosts.Resolved(resolved, now), now);
        }
        var rollupDue = incident.LastPostAt is not { } last || now - last >= settings.RollupInterval;
        if (quiet && !incident.QuietNoted && rollupDue)
        {
            var noted = incident with { QuietNoted = true, AgentLastCall = seen };
            return WithPost(noted, IncidentPosts.Rollup(noted, now), now);
        }
        if (incident.Count > incident.LastPostCount && rollupDue)
        {
            var counted = incident with { AgentLastCall = seen };
            return WithPost(counted, IncidentPosts.Rollup(counted, now), now);
        }
        return seen != incident.AgentLastCall ? incident with { AgentLastCall = seen } : null;
    }

    private static Incident Fold(Incident incident, Alert call, DateTimeOffset startedAt) => incident with
    {
        Count = incident.Count + 1,
        FirstSeen = Min(incident.FirstSeen, startedAt),
        LastSeen = Max(incident.LastSeen, startedAt),
        Examples = incident.Examples.Count < Incident.MaxExamples ? [.. incident.Examples, IncidentExample.Of(call, startedAt)] : incident.Examples,
        Recent = Keep(incident.Recent, new IncidentCall(call.Key, startedAt, true)),
        QuietNoted = false,
    };

    private static Incident WithPost(Incident incident, Func<int, Alert> compose, DateTimeOffset now) => incident with
    {
        Post = compose(incident.Posts),
        PostRaised = false,
        Posts = incident.Posts + 1,
        LastPostAt = now,
        LastPostCount = incident.Count,
    };

    private static IReadOnlyList<IncidentCall> Keep(IReadOnlyList<IncidentCall> recent, IncidentCall call) =>
        [.. recent.Append(call).OrderByDescending(r => r.StartedAt).Take(Incident.RecentKept)];

    private static string Cause(Alert call) => call.Facts.FirstOrDefault(f => f.Name == "Likely cause")?.Value ?? "";

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : Max(a, b.Value);
}

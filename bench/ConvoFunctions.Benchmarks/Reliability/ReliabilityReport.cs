namespace ConvoFunctions.Benchmarks.Reliability;

/// <summary>What a run counted. <see cref="Passed"/> is the verdict the exit code carries.</summary>
internal sealed record ReliabilityReport
{
    public int Planned { get; init; }
    public int Acknowledged { get; init; }
    public int AcknowledgedDistinct { get; init; }
    public int Archived { get; init; }
    public int BadInputAnsweredAsExpected { get; init; }
    public int BadInputTotal { get; init; }
    public IReadOnlyList<string> BadInputStored { get; init; } = [];
    public IReadOnlyList<string> UnexpectedAnswers { get; init; } = [];
    public int ServiceUnavailableAnswers { get; init; }
    public int NotAcknowledged { get; init; }
    public IReadOnlyList<string> Lost { get; init; } = [];
    public int StorageOutages { get; init; }
    public TimeSpan Elapsed { get; init; }
    public double P50Milliseconds { get; init; }
    public double P99Milliseconds { get; init; }
    public double WebhooksPerSecond { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
    public bool QueueDrained { get; init; }
    public int DuplicateGroups { get; init; }
    /// <summary>Duplicate groups recorded: posted on their own, or folded into their incident.</summary>
    public int AlertedGroups { get; init; }

    /// <summary>Of those, folded into an incident (no post of their own).</summary>
    public int FoldedGroups { get; init; }

    public IReadOnlyList<string> Incidents { get; init; } = [];

    /// <summary>Incidents with more posts on a channel than threshold + opened + roll-ups + resolved.</summary>
    public IReadOnlyList<string> IncidentsOverBound { get; init; } = [];

    /// <summary>The storm's incident resolved, with one resolved post per channel.</summary>
    public bool StormResolved { get; init; }
    /// <summary>How far the sweep's checkpoint was behind the storage service's time once the final sweeps were done.</summary>
    public TimeSpan CheckpointLag { get; init; }

    /// <summary>Settle delay + two schedules: a change judged late holds the checkpoint no longer than that.</summary>
    public TimeSpan CheckpointLagBound { get; init; }

    public int TeamsAlerts { get; init; }
    public int EmailAlerts { get; init; }
    public IReadOnlyList<string> DoubledGroups { get; init; } = [];

    /// <summary>True duplicate groups no alert named.</summary>
    public IReadOnlyList<string> MissedGroups { get; init; } = [];

    /// <summary>Calls with a single conversation that an alert named.</summary>
    public IReadOnlyList<string> FalseAlerts { get; init; } = [];

    /// <summary>Alerts that named conversations of two or more different calls.</summary>
    public IReadOnlyList<string> MixedAlerts { get; init; } = [];

    /// <summary>Duplicate groups per call shape (<see cref="CallShape"/>).</summary>
    public IReadOnlyList<string> Shapes { get; init; } = [];
    public int ConversationsAcknowledged { get; init; }
    public int ConversationsWithRows { get; init; }
    public int PoisonMessages { get; init; }
    public IReadOnlyList<string> PoisonReasons { get; init; } = [];

    public bool Passed =>
        Lost.Count == 0 && BadInputStored.Count == 0 && BadInputAnsweredAsExpected == BadInputTotal
        && QueueDrained && ConversationsWithRows + PoisonMessages >= ConversationsAcknowledged
        && DoubledGroups.Count == 0 && IncidentsOverBound.Count == 0 && StormResolved && CheckpointLag <= CheckpointLagBound
        // Alerted groups equal the true duplicate groups, and no alert mixes calls.
        && MissedGroups.Count == 0 && FalseAlerts.Count == 0 && MixedAlerts.Count == 0;

    public void Print(TextWriter output)
    {
        output.WriteLine($"webhooks planned                {Planned}");
        output.WriteLine($"acknowledged with 2xx           {Acknowledged} ({AcknowledgedDistinct} distinct bodies)");
        output.WriteLine($"archived (distinct blobs)       {Archived}");
        output.WriteLine($"not acknowledged (sender gave up / audio not retried) {NotAcknowledged}; 503 answers seen {ServiceUnavailableAnswers}");
        output.WriteLine($"conversations with rows         {ConversationsWithRows}/{ConversationsAcknowledged} acknowledged (queue drained: {QueueDrained})");
        output.WriteLine($"duplicate groups / recorded     {DuplicateGroups} / {AlertedGroups} ({FoldedGroups} folded into incidents); posts sent: Teams {TeamsAlerts}, email {EmailAlerts}");
        output.WriteLine($"incidents                       {Incidents.Count}; over their post bound {IncidentsOverBound.Count}; the storm resolved once: {StormResolved}");
        foreach (var line in Incidents.Take(10)) output.WriteLine($"  incident: {line}");
        foreach (var line in IncidentsOverBound.Take(10)) output.WriteLine($"  over bound: {line}");
        output.WriteLine($"calls by shape (duplicate groups; WidgetNextToCall: single calls with a widget visit) {string.Join(", ", Shapes)}");
        output.WriteLine($"checkpoint lag at the end       {CheckpointLag.TotalSeconds:F0} s (bound {CheckpointLagBound.TotalSeconds:F0} s: settle delay + two schedules)");
        output.WriteLine($"groups alerted more than once   {DoubledGroups.Count}");
        foreach (var line in DoubledGroups.Take(10)) output.WriteLine($"  doubled: {line}");
        output.WriteLine($"duplicate groups never alerted  {MissedGroups.Count}");
        foreach (var line in MissedGroups.Take(10)) output.WriteLine($"  missed: {line}");
        output.WriteLine($"single calls alerted            {FalseAlerts.Count}");
        foreach (var line in FalseAlerts.Take(10)) output.WriteLine($"  false alert: {line}");
        output.WriteLine($"alerts naming two calls         {MixedAlerts.Count}");
        foreach (var line in MixedAlerts.Take(10)) output.WriteLine($"  mixed: {line}");
        output.WriteLine($"poison messages                 {PoisonMessages}");
        foreach (var reason in PoisonReasons.GroupBy(r => r)) output.WriteLine($"  poison x{reason.Count()}: {reason.Key}");
        output.WriteLine($"bad input answered as expected  {BadInputAnsweredAsExpected}/{BadInputTotal}; reached storage: {BadInputStored.Count}");
        output.WriteLine($"storage outages injected        {StorageOutages}");
        output.WriteLine($"ingest latency p50 / p99        {P50Milliseconds:F1} ms / {P99Milliseconds:F1} ms");
        output.WriteLine($"throughput                      {WebhooksPerSecond:F1} acknowledged webhooks/s over {Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"lost (acknowledged, no archive) {Lost.Count}");
        foreach (var line in Lost.Take(10)) output.WriteLine($"  lost: {line}");
        foreach (var line in UnexpectedAnswers.Take(10)) output.WriteLine($"  unexpected: {line}");
        foreach (var line in BadInputStored.Take(10)) output.WriteLine($"  bad input stored: {line}");
        foreach (var line in Notes) output.WriteLine(line);
        output.WriteLine(Passed ? "RESULT: PASS" : "RESULT: FAIL");
    }
}

using System.Diagnostics.Metrics;
using System.Text;

namespace ConvoFunctions.Metrics;

/// <summary>
/// The app's one <see cref="Meter"/> (<see cref="MetricNames.Meter"/>) and its instruments, built from
/// <see cref="MetricNames.All"/>. Each capability records through one call per site; the tags are plain values, so this
/// foundation knows no capability's types. Created through <see cref="IMeterFactory"/>: every service provider (the
/// Functions host, <c>convo serve</c>, each test) has its own meter, and listeners tell them apart by its scope.
/// </summary>
internal sealed class ConvoMetrics
{
    private readonly Counter<long> _webhooksReceived;
    private readonly Counter<long> _webhooksUnknownType;
    private readonly Histogram<double> _webhooksDeliveryLag;
    private readonly Histogram<double> _webhooksPoisonDepth;
    private readonly Histogram<double> _enrichmentDuration;
    private readonly Counter<long> _enrichmentFailures;
    private readonly Histogram<double> _enrichmentQueueLag;
    private readonly Counter<long> _elevenLabsRequests;
    private readonly Counter<long> _sweepCompleted;
    private readonly Histogram<double> _sweepDuration;
    private readonly Histogram<double> _sweepChanges;
    private readonly Histogram<double> _sweepCheckpointLag;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _alertsRaised;
    private readonly Counter<long> _alertsPosts;
    private readonly Histogram<double> _alertsTimeToAlert;
    private readonly Counter<long> _initiationAnswered;
    private readonly Counter<long> _initiationRejected;
    private readonly Counter<long> _initiationRecordFailures;
    private readonly Counter<long> _initiationUpstream;

    public ConvoMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MetricNames.Meter);
        _webhooksReceived = Counter(meter, MetricNames.WebhooksReceived);
        _webhooksUnknownType = Counter(meter, MetricNames.WebhooksUnknownType);
        _webhooksDeliveryLag = Histogram(meter, MetricNames.WebhooksDeliveryLag);
        _webhooksPoisonDepth = Histogram(meter, MetricNames.WebhooksPoisonDepth);
        _enrichmentDuration = Histogram(meter, MetricNames.EnrichmentDuration);
        _enrichmentFailures = Counter(meter, MetricNames.EnrichmentFailures);
        _enrichmentQueueLag = Histogram(meter, MetricNames.EnrichmentQueueLag);
        _elevenLabsRequests = Counter(meter, MetricNames.ElevenLabsRequests);
        _sweepCompleted = Counter(meter, MetricNames.SweepCompleted);
        _sweepDuration = Histogram(meter, MetricNames.SweepDuration);
        _sweepChanges = Histogram(meter, MetricNames.SweepChanges);
        _sweepCheckpointLag = Histogram(meter, MetricNames.SweepCheckpointLag);
        _duplicates = Counter(meter, MetricNames.Duplicates);
        _alertsRaised = Counter(meter, MetricNames.AlertsRaised);
        _alertsPosts = Counter(meter, MetricNames.AlertsPosts);
        _alertsTimeToAlert = Histogram(meter, MetricNames.AlertsTimeToAlert);
        _initiationAnswered = Counter(meter, MetricNames.InitiationAnswered);
        _initiationRejected = Counter(meter, MetricNames.InitiationRejected);
        _initiationRecordFailures = Counter(meter, MetricNames.InitiationRecordFailures);
        _initiationUpstream = Counter(meter, MetricNames.InitiationUpstream);
    }

    // Webhooks

    public void WebhookReceived(string? type, Enum outcome) => _webhooksReceived.Add(1, Tag("type", type ?? "unread"), Tag("outcome", Snake(outcome)));

    public void WebhookUnknownType(string type, bool enriched) => _webhooksUnknownType.Add(1, Tag("type", type), Tag("enriched", enriched));

    /// <summary>Nothing is recorded without an event time (or with a sender clock ahead of ours).</summary>
    public void WebhookDeliveryLag(string type, DateTimeOffset? eventTime, DateTimeOffset receivedAt)
    {
        if (eventTime is { } at && receivedAt >= at) _webhooksDeliveryLag.Record((receivedAt - at).TotalSeconds, Tag("type", type));
    }

    public void PoisonDepth(long messages)
    {
        if (messages >= 0) _webhooksPoisonDepth.Record(messages);
    }

    // Enrichment

    public void EnrichmentDelivered(Enum? outcome, TimeSpan took) =>
        _enrichmentDuration.Record(took.TotalSeconds, Tag("outcome", outcome is null ? "retry" : Snake(outcome)));

    public void EnrichmentFailed(Exception exception, bool final) =>
        _enrichmentFailures.Add(1, Tag("error_type", exception.GetType().Name), Tag("final", final));

    public void EnrichmentQueueLag(DateTimeOffset receivedAt, DateTimeOffset now)
    {
        if (now >= receivedAt) _enrichmentQueueLag.Record((now - receivedAt).TotalSeconds);
    }

    // ElevenLabs

    /// <param name="status">The HTTP status; null when no answer came (network error, attempt timeout).</param>
    public void ElevenLabsRequest(string endpoint, int? status) =>
        _elevenLabsRequests.Add(1, Tag("endpoint", endpoint), Tag("status", status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no_answer"));

    // Sweep

    public void SweepCompleted(bool partial, TimeSpan took, int changes, TimeSpan checkpointLag)
    {
        _sweepCompleted.Add(1, Tag("outcome", partial ? "partial" : "ok"));
        _sweepDuration.Record(took.TotalSeconds);
        _sweepChanges.Record(changes);
        _sweepCheckpointLag.Record(Math.Max(0, checkpointLag.TotalSeconds));
    }

    public void Duplicate(Enum verdict, string? agentId, bool alerted) =>
        _duplicates.Add(1, Tag("verdict", Snake(verdict)), Tag("agent_id", string.IsNullOrEmpty(agentId) ? "unknown" : agentId), Tag("alerted", alerted));

    // Alerts

    public void AlertRaised(string kind) => _alertsRaised.Add(1, Tag("kind", kind));

    public void AlertPosted(string kind, string channel, string outcome) =>
        _alertsPosts.Add(1, Tag("kind", kind), Tag("channel", channel), Tag("outcome", outcome));

    public void TimeToAlert(string kind, TimeSpan took) => _alertsTimeToAlert.Record(Math.Max(0, took.TotalSeconds), Tag("kind", kind));

    // Initiation (the call-start route)

    public void InitiationAnswered(string source) => _initiationAnswered.Add(1, Tag("source", source));

    public void InitiationRejected(string reason) => _initiationRejected.Add(1, Tag("reason", reason));

    public void InitiationRecordFailed() => _initiationRecordFailures.Add(1);

    public void InitiationUpstream(string outcome) => _initiationUpstream.Add(1, Tag("outcome", outcome));

    /// <summary><c>RealPlusBlank</c> → <c>real_plus_blank</c>: enum values as tag values, the way the queries spell them.</summary>
    public static string Snake(Enum value)
    {
        var name = value.ToString();
        var snake = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) snake.Append('_');
            snake.Append(char.ToLowerInvariant(name[i]));
        }
        return snake.ToString();
    }

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);

    private static Counter<long> Counter(Meter meter, string name)
    {
        var definition = Defined(name, InstrumentKind.Counter);
        return meter.CreateCounter<long>(definition.Name, definition.Unit, definition.Description);
    }

    private static Histogram<double> Histogram(Meter meter, string name)
    {
        var definition = Defined(name, InstrumentKind.Histogram);
        return meter.CreateHistogram<double>(definition.Name, definition.Unit, definition.Description);
    }

    private static MetricDefinition Defined(string name, InstrumentKind kind)
    {
        var definition = MetricNames.Get(name);
        return definition.Kind == kind ? definition : throw new InvalidOperationException($"{name} is a {definition.Kind} in MetricNames.All.");
    }
}

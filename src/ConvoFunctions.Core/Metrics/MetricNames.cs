namespace ConvoFunctions.Metrics;

internal enum InstrumentKind
{
    /// <summary>A count that only goes up (<c>Counter&lt;long&gt;</c>); Application Insights sums it per minute.</summary>
    Counter,

    /// <summary>A distribution (<c>Histogram&lt;double&gt;</c>); Application Insights keeps count, sum, min and max per minute.</summary>
    Histogram,
}

/// <summary>One instrument of the app's meter: its name, kind, UCUM unit, the tags it carries and what it means.</summary>
internal sealed record MetricDefinition(string Name, InstrumentKind Kind, string Unit, IReadOnlyList<string> Tags, string Description);

/// <summary>
/// Every metric the app emits, in one place: the names the code records under (through <see cref="ConvoMetrics"/>),
/// the names the Azure Monitor alert rules and the workbook query (infra-bicep, checked by the infra tests) and the
/// table of docs/operations.md (checked by a test). A name here is a contract like a setting name.
/// </summary>
internal static class MetricNames
{
    /// <summary>The one meter of the app (OpenTelemetry <c>AddMeter</c>).</summary>
    public const string Meter = "ConvoFunctions";

    public const string WebhooksReceived = "convo.webhooks.received";
    public const string WebhooksUnknownType = "convo.webhooks.unknown_type";
    public const string WebhooksDeliveryLag = "convo.webhooks.delivery_lag";
    public const string WebhooksPoisonDepth = "convo.webhooks.poison_depth";
    public const string EnrichmentDuration = "convo.enrichment.duration";
    public const string EnrichmentFailures = "convo.enrichment.failures";
    public const string EnrichmentQueueLag = "convo.enrichment.queue_lag";
    public const string ElevenLabsRequests = "convo.elevenlabs.requests";
    public const string SweepCompleted = "convo.sweep.completed";
    public const string SweepDuration = "convo.sweep.duration";
    public const string SweepChanges = "convo.sweep.changes";
    public const string SweepCheckpointLag = "convo.sweep.checkpoint_lag";
    public const string Duplicates = "convo.duplicates";
    public const string AlertsRaised = "convo.alerts.raised";
    public const string AlertsPosts = "convo.alerts.posts";
    public const string AlertsTimeToAlert = "convo.alerts.time_to_alert";
    public const string InitiationAnswered = "convo.initiation.answered";
    public const string InitiationRejected = "convo.initiation.rejected";
    public const string InitiationRecordFailures = "convo.initiation.record_failures";
    public const string InitiationUpstream = "convo.initiation.upstream";

    public static IReadOnlyList<MetricDefinition> All { get; } =
    [
        new(WebhooksReceived, InstrumentKind.Counter, "{webhook}", ["type", "outcome"],
            "Post-call webhooks answered, by type and outcome (queued, archived_not_queued, unauthorized, bad_request, too_large, storage_unavailable)."),
        new(WebhooksUnknownType, InstrumentKind.Counter, "{webhook}", ["type", "enriched"],
            "Webhooks of a type this build does not know by name, by type and whether they were enriched."),
        new(WebhooksDeliveryLag, InstrumentKind.Histogram, "s", ["type"],
            "From the webhook's event_timestamp to its arrival: how late ElevenLabs delivers."),
        new(WebhooksPoisonDepth, InstrumentKind.Histogram, "{message}", [],
            "Messages waiting in webhook-events-poison, read once per sweep (approximate, as the queue reports it)."),
        new(EnrichmentDuration, InstrumentKind.Histogram, "s", ["outcome"],
            "One delivery of a webhook-events message, by outcome (enriched, from_webhook, not_found, initiation_failure, skipped, poisoned, retry)."),
        new(EnrichmentFailures, InstrumentKind.Counter, "{delivery}", ["error_type", "final"],
            "Deliveries that failed, by exception type and whether it was final (the message went to the poison queue)."),
        new(EnrichmentQueueLag, InstrumentKind.Histogram, "s", [],
            "From the webhook's arrival to the start of a delivery of its message: the queue's backlog."),
        new(ElevenLabsRequests, InstrumentKind.Counter, "{request}", ["endpoint", "status"],
            "Attempts at the ElevenLabs API, retries included, by endpoint and HTTP status (no_answer when none came)."),
        new(SweepCompleted, InstrumentKind.Counter, "{sweep}", ["outcome"],
            "Sweeps that ran to the end and saved their checkpoint, ok or partial (some stage failed in isolation)."),
        new(SweepDuration, InstrumentKind.Histogram, "s", [],
            "How long a completed sweep took."),
        new(SweepChanges, InstrumentKind.Histogram, "{change}", [],
            "Change rows a completed sweep judged."),
        new(SweepCheckpointLag, InstrumentKind.Histogram, "s", [],
            "How far behind the sweep's clock the saved checkpoint is: grows while a change cannot be judged yet."),
        new(Duplicates, InstrumentKind.Counter, "{call}", ["verdict", "agent_id", "alerted"],
            "Calls judged duplicate (or started without a conversation), by verdict and agent: once per new alert, and each time for verdicts that do not alert."),
        new(AlertsRaised, InstrumentKind.Counter, "{alert}", ["kind"],
            "Alerts recorded for sending, by kind (duplicate, no-conversation, incident-opened, incident-rollup, incident-resolved, incident-reopened, webhook-health, test)."),
        new(AlertsPosts, InstrumentKind.Counter, "{post}", ["kind", "channel", "outcome"],
            "Posts of an alert (a call's, or an incident's) to one channel, by kind, channel and outcome (sent, failed: retried by the next sweep, given_up: out of attempts)."),
        new(AlertsTimeToAlert, InstrumentKind.Histogram, "s", ["kind"],
            "From the moment the last conversation of the call settled to the first channel accepting its new alert."),
        new(InitiationAnswered, InstrumentKind.Counter, "{request}", ["source"],
            "Call-start requests answered with dynamic variables, by source (upstream, default)."),
        new(InitiationRejected, InstrumentKind.Counter, "{request}", ["reason"],
            "Call-start requests refused, by reason (off, secret_missing, secret_wrong, too_large, malformed)."),
        new(InitiationRecordFailures, InstrumentKind.Counter, "{request}", [],
            "Call-start requests answered but not recorded (storage down or slower than the budget)."),
        new(InitiationUpstream, InstrumentKind.Counter, "{request}", ["outcome"],
            "Proxy mode: what the team's personalization webhook did (answered, http_<status>, not_json, or the error's type)."),
    ];

    public static MetricDefinition Get(string name) =>
        All.FirstOrDefault(d => d.Name == name) ?? throw new ArgumentException($"{name} is not in MetricNames.All.", nameof(name));
}

namespace ConvoFunctions.Storage;

/// <summary>
/// Names of the containers, queues and tables the app uses. The Bicep deploys exactly these names and a
/// test checks them against the compiled template, so a rename here fails the build instead of a deployment.
/// </summary>
internal static class StorageNames
{
    public const string WebhookContainer = "webhooks";
    public const string WebhookEventsQueue = "webhook-events";

    // Lease blobs bounding the app's concurrent ElevenLabs API calls over all instances (AppConcurrencySlots).
    public const string ConcurrencySlotsContainer = "elevenlabs-slots";

    // A call with a second conversation recorded, to be judged now rather than at the next sweep (CallChecks).
    public const string CallChecksQueue = "call-checks";

    // The Functions queue trigger moves a message here after maxDequeueCount attempts.
    public const string WebhookEventsPoisonQueue = WebhookEventsQueue + "-poison";

    public const string ConversationsTable = "conversations";
    public const string CallsTable = "calls";
    public const string ActivityTable = "activity";
    public const string AlertsTable = "alerts";

    // The alerts table's partition of webhook health state: the ingest's heartbeat and the sweep's health incidents.
    public const string HealthPartition = "health";

    // What the sweep starts from: conversations by the hour they were recorded (CorrelationRows.ChangeRow).
    public const string ChangesTable = "changes";

    // One row per conversation-initiation request, partitioned by call key (Initiation/InitiationStore.cs).
    public const string InitiationsTable = "initiations";

    public static IReadOnlyList<string> Containers { get; } = [WebhookContainer, ConcurrencySlotsContainer];
    public static IReadOnlyList<string> Queues { get; } = [WebhookEventsQueue, WebhookEventsPoisonQueue, CallChecksQueue];
    public static IReadOnlyList<string> Tables { get; } = [ConversationsTable, CallsTable, ActivityTable, ChangesTable, AlertsTable, InitiationsTable];
}

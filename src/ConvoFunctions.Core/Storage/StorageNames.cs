namespace ConvoFunctions.Storage;

/// <summary>
/// Names of the containers, queues and tables the app uses. The Bicep deploys exactly these names and a
/// test checks them against the compiled template, so a rename here fails the build instead of a deployment.
/// </summary>
internal static class StorageNames
{
    public const string WebhookContainer = "webhooks";
    public const string WebhookEventsQueue = "webhook-events";

    // The Functions queue trigger moves a message here after maxDequeueCount attempts.
    public const string WebhookEventsPoisonQueue = WebhookEventsQueue + "-poison";

    public const string ConversationsTable = "conversations";
    public const string CallsTable = "calls";
    public const string ActivityTable = "activity";
    public const string AlertsTable = "alerts";

    // What the sweep starts from: conversations by the hour they were recorded (CorrelationRows.ChangeRow).
    public const string ChangesTable = "changes";

    public static IReadOnlyList<string> Containers { get; } = [WebhookContainer];
    public static IReadOnlyList<string> Queues { get; } = [WebhookEventsQueue, WebhookEventsPoisonQueue];
    public static IReadOnlyList<string> Tables { get; } = [ConversationsTable, CallsTable, ActivityTable, ChangesTable, AlertsTable];
}

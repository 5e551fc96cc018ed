using Azure.Storage.Queues.Models;
using ConvoFunctions.Configuration;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Storage;
using Microsoft.Azure.Functions.Worker;

namespace ConvoFunctions.App.Enrichment;

internal sealed class EnrichWebhookEventFunction(EnrichmentProcessor processor)
{
    // QueueMessage (not string) so the delivery count is visible: on the last delivery (host.json maxDequeueCount,
    // QueueSettings.MaxDequeueCount) a failure is written to the poison queue with its reason instead of thrown.
    [Function("EnrichWebhookEvent")]
    public async Task Run(
        [QueueTrigger(StorageNames.WebhookEventsQueue, Connection = SettingNames.Storage)] QueueMessage message,
        CancellationToken cancellationToken)
    {
        // Completing (no throw) deletes the message; throwing lets it reappear for the next delivery.
        await processor.HandleDeliveryAsync(message.Body.ToString(), message.DequeueCount, cancellationToken);
    }
}

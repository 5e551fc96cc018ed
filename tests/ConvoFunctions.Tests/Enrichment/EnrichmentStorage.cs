using Azure.Data.Tables;
using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Tests.Enrichment;

/// <summary>Test settings and storage reset shared by the enrichment tests.</summary>
internal static class EnrichmentStorage
{
    public static Dictionary<string, string?> Settings(Uri api) => new()
    {
        [SettingNames.ElevenLabsApiKey] = EnrichmentTests.ApiKey,
        [SettingNames.ElevenLabsBaseUrl] = api.ToString(),
        [SettingNames.ElevenLabsRetryAttempts] = "2",
        [SettingNames.ElevenLabsRetryBaseDelay] = "00:00:00.050",
    };

    public static async Task ResetAsync(StorageAccount storage)
    {
        await storage.Queue(StorageNames.WebhookEventsQueue).ClearMessagesAsync();
        await storage.Queue(StorageNames.WebhookEventsPoisonQueue).ClearMessagesAsync();
        await storage.Queue(StorageNames.CallChecksQueue).CreateIfNotExistsAsync();
        await storage.Queue(StorageNames.CallChecksQueue).ClearMessagesAsync();
        var container = storage.Container(StorageNames.WebhookContainer);
        await foreach (var blob in container.GetBlobsAsync()) await container.DeleteBlobAsync(blob.Name);
        foreach (var name in new[] { StorageNames.ConversationsTable, StorageNames.CallsTable, StorageNames.ActivityTable, StorageNames.ChangesTable, StorageNames.AlertsTable })
        {
            var table = storage.Table(name);
            await table.CreateIfNotExistsAsync();
            foreach (var row in await RowsAsync(storage, name)) await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }
    }

    public static async Task<List<TableEntity>> RowsAsync(StorageAccount storage, string table)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in storage.Table(table).QueryAsync<TableEntity>()) rows.Add(row);
        return rows;
    }
}

using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using ConvoFunctions.Configuration;
using Microsoft.Extensions.Configuration;

namespace ConvoFunctions.Storage;

/// <summary>
/// The one storage account the app uses, reached through the <c>AzureWebJobsStorage</c> connection the Functions
/// host uses too: a connection string locally (Azurite), identity-based service URIs in Azure.
/// </summary>
internal sealed class StorageAccount(BlobServiceClient blobs, QueueServiceClient queues, TableServiceClient tables, TokenCredential? credential = null)
{
    /// <summary>The Entra ID credential of an identity-based account; null for a connection string.</summary>
    public TokenCredential? Credential { get; } = credential;

    public BlobServiceClient Blobs { get; } = blobs;
    public QueueServiceClient Queues { get; } = queues;
    public TableServiceClient Tables { get; } = tables;

    public BlobContainerClient Container(string name) => Blobs.GetBlobContainerClient(name);
    public QueueClient Queue(string name) => Queues.GetQueueClient(name);
    public TableClient Table(string name) => Tables.GetTableClient(name);

    public static StorageAccount FromConnectionString(string connectionString)
    {
        try
        {
            return new(
                new BlobServiceClient(connectionString, Configure(new BlobClientOptions())),
                new QueueServiceClient(connectionString, Configure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 })),
                new TableServiceClient(connectionString, Configure(new TableClientOptions())));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            // The SDK's parser messages never echo the string; ours must not either (it holds the account key).
            throw new SettingException(
                $"The storage connection string in {SettingNames.Storage} is not valid ({ex.Message.TrimEnd('.')}): expected " +
                "'DefaultEndpointsProtocol=https;AccountName=<name>;AccountKey=<key>;…' or 'UseDevelopmentStorage=true'.");
        }
    }

    /// <summary>Reads <c>AzureWebJobsStorage</c> the way the Functions host does.</summary>
    public static StorageAccount FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SettingNames.Storage);
        if (!string.IsNullOrWhiteSpace(section.Value)) return FromConnectionString(section.Value);

        var accountName = section["accountName"];
        Uri SettingUri(string service) =>
            section[$"{service}ServiceUri"] is { Length: > 0 } uri ? new Uri(uri)
            : accountName is { Length: > 0 } ? StorageAccount.ServiceUri(accountName, service)
            : throw new InvalidOperationException(
                $"{SettingNames.Storage} is not set: give a connection string, or {SettingNames.Storage}__{service}ServiceUri for identity-based access.");

        return FromServiceUris(SettingUri, CreateCredential(section["credential"], section["clientId"]));
    }

    /// <summary>
    /// A deployed account by name, with Entra ID (the deployed account allows no shared key): <c>convo replay</c> and
    /// <c>convo calls</c> with <c>--account</c>. The Bicep's <c>principalId</c> roles cover both.
    /// </summary>
    public static StorageAccount ForAccountName(string accountName, TokenCredential credential) =>
        FromServiceUris(service => ServiceUri(accountName, service), credential);

    public static Uri ServiceUri(string accountName, string service) => new($"https://{accountName}.{service}.core.windows.net");

    private static StorageAccount FromServiceUris(Func<string, Uri> serviceUri, TokenCredential credential) => new(
        new BlobServiceClient(serviceUri("blob"), credential, Configure(new BlobClientOptions())),
        new QueueServiceClient(serviceUri("queue"), credential, Configure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 })),
        new TableServiceClient(serviceUri("table"), credential, Configure(new TableClientOptions())),
        credential);

    /// <summary>Creates the containers, queues and tables the app uses (local runs; Azure gets them from Bicep).</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        foreach (var name in StorageNames.Containers) await Container(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        foreach (var name in StorageNames.Queues) await Queue(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        foreach (var name in StorageNames.Tables) await Table(name).CreateIfNotExistsAsync(cancellationToken);
    }

    private static TokenCredential CreateCredential(string? kind, string? clientId) =>
        string.Equals(kind, "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrEmpty(clientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });

    // A webhook request waits on these calls: a few quick retries ride out a blip, and an outage
    // surfaces as 503 within seconds so that ElevenLabs retries instead of timing out.
    private static T Configure<T>(T options) where T : Azure.Core.ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }
}

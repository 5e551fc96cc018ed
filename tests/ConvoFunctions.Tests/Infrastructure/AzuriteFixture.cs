using ConvoFunctions.Cli.Local;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Tests.Infrastructure;

/// <summary>One in-memory Azurite for the test run, on free loopback ports; tests isolate by resource names.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    internal AzuriteProcess Process => _azurite ?? throw new InvalidOperationException("Azurite is not started.");

    public string ConnectionString => Process.ConnectionString;

    internal StorageAccount Storage { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(location: null);
        Storage = StorageAccount.FromConnectionString(ConnectionString);
        await Storage.EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null) await _azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}

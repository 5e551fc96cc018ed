using ConvoFunctions.Cli;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Tests.Cli;

/// <summary><c>convo serve</c>'s host and <c>convo send</c> over real HTTP on loopback, against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ServeAndSendTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Send_to_the_served_route_is_archived_and_a_wrong_secret_is_refused()
    {
        var settings = LocalConfiguration.Build(Path.Combine(Path.GetTempPath(), "no-such-local.settings.json"));
        await using var app = LocalFunctionsHost.Build(settings, azurite.ConnectionString, new Uri("http://127.0.0.1:0"), LogLevel.Warning);
        await LocalFunctionsHost.EnsureStorageAsync(app, CancellationToken.None);
        await app.StartAsync();
        var url = $"{app.Urls.First()}/api/webhooks/elevenlabs";
        var body = Fixtures.Path(Fixtures.InitiationFailure);

        var accepted = await ConvoCommand.Create().Parse(["send", body, "--url", url]).InvokeAsync();
        var refused = await ConvoCommand.Create().Parse(["send", body, "--url", url, "--secret", "not-the-secret"]).InvokeAsync();
        var stale = await ConvoCommand.Create().Parse(["send", body, "--url", url, "--timestamp", "1000"]).InvokeAsync();

        Assert.Equal(0, accepted);
        Assert.Equal(1, refused);
        Assert.Equal(1, stale);
        var names = new List<string>();
        await foreach (var blob in azurite.Storage.Container(StorageNames.WebhookContainer).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "2025/11/24/call_initiation_failure/", CancellationToken.None))
        {
            names.Add(blob.Name);
        }
        Assert.Single(names);
    }
}

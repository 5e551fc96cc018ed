using System.Text.Json;
using ConvoFunctions.Cli;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Initiation;
using ConvoFunctions.Tests.Configuration;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Tests.Cli;

/// <summary><c>convo send --initiation</c> with the repository's sample, to <c>convo serve</c>'s host over loopback HTTP.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SendInitiationTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Sample_initiation_request_is_answered_and_recorded_and_a_wrong_secret_is_refused()
    {
        var settings = LocalConfiguration.Build(Path.Combine(Path.GetTempPath(), "no-such-local.settings.json"));
        await using var app = LocalFunctionsHost.Build(settings, azurite.ConnectionString, new Uri("http://127.0.0.1:0"), LogLevel.Warning, pollQueue: false);
        await LocalFunctionsHost.EnsureStorageAsync(app, CancellationToken.None);
        await app.StartAsync();
        var url = $"{app.Urls.First()}/api/webhooks/elevenlabs/initiation";
        var sample = SettingsContractTests.RepoFile(Path.Combine("samples", "conversation-initiation.json"));
        var callKey = JsonDocument.Parse(File.ReadAllText(sample)).RootElement.GetProperty("call_sid").GetString()!;
        var store = app.Services.GetRequiredService<InitiationStore>();
        var before = (await store.ForCallAsync(callKey, CancellationToken.None)).Count;

        var accepted = await ConvoCommand.Create().Parse(["send", "--initiation", sample, "--url", url]).InvokeAsync();
        var refused = await ConvoCommand.Create().Parse(["send", "--initiation", sample, "--url", url, "--secret", "not-the-secret"]).InvokeAsync();
        var signedToWrongRoute = await ConvoCommand.Create().Parse(["send", sample, "--url", url]).InvokeAsync();

        Assert.Equal(0, accepted);
        Assert.Equal(1, refused);
        Assert.Equal(1, signedToWrongRoute);
        Assert.Equal(before + 1, (await store.ForCallAsync(callKey, CancellationToken.None)).Count);
    }
}

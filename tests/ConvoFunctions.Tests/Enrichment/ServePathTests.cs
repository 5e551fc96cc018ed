using System.Net.Http.Headers;
using Azure.Data.Tables;
using ConvoFunctions.App;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Tests.Enrichment;

/// <summary><c>convo serve</c>'s host: a signed webhook posted over HTTP ends up as rows, via the queue poller.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ServePathTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ElevenLabsStandIn _api = null!;

    public async Task InitializeAsync()
    {
        _api = await ElevenLabsStandIn.StartAsync(EnrichmentTests.ApiKey);
        await EnrichmentStorage.ResetAsync(azurite.Storage);
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task A_webhook_posted_to_serve_ends_up_as_a_conversation_row()
    {
        _api.Add(Samples.RealConversation);
        var values = EnrichmentStorage.Settings(_api.BaseAddress);
        values[SettingNames.ElevenLabsWebhookSecret] = TestServices.Secret;
        var settings = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        await using var app = LocalFunctionsHost.Build(settings, azurite.ConnectionString, new Uri("http://127.0.0.1:0"), LogLevel.Warning);
        await LocalFunctionsHost.EnsureStorageAsync(app, CancellationToken.None);
        await app.StartAsync();

        var body = Fixtures.Bytes(Fixtures.Transcription);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Routes.Prefix}/{Routes.ElevenLabsWebhook}") { Content = content };
        request.Headers.TryAddWithoutValidation(SignatureHeader.Name, WebhookSigner.Sign(body, TestServices.Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        using var response = await http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);

        var table = azurite.Storage.Table(StorageNames.ConversationsTable);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        TableEntity? row = null;
        while (row is null && DateTimeOffset.UtcNow < deadline)
        {
            var found = await table.GetEntityIfExistsAsync<TableEntity>("conv_sample_real_01", "");
            if (found.HasValue) row = found.Value;
            else await Task.Delay(50);
        }

        Assert.NotNull(row);
        Assert.Equal("api", row.GetString("Source"));
        Assert.Equal("CAaaaa1111bbbb2222cccc3333dddd4444", row.GetString("CallKey"));
        await app.StopAsync();
    }
}

using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Storage;

/// <summary>The small storage mechanisms every capability shares, on a real (Azurite) account with names of their own.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageMechanismsTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("twilio:CA1/2\\3#4?5", "twilio:CA1_2_3_4_5")]
    [InlineData("line\nbreak\ttab", "line_break_tab")]
    [InlineData("conv_01 ok:-.", "conv_01 ok:-.")]
    public void A_table_key_loses_only_what_Table_Storage_forbids(string value, string expected)
    {
        Assert.Equal(expected, TableKeys.Sanitize(value));
    }

    [Fact]
    public void A_table_key_is_cut_only_when_asked()
    {
        var value = new string('x', 2000);

        Assert.Equal(2000, TableKeys.Sanitize(value).Length);
        Assert.Equal(256, TableKeys.Sanitize(value, 256).Length);
    }

    [Fact]
    public async Task A_write_creates_its_missing_table_queue_and_container_then_succeeds()
    {
        var name = "m" + Guid.NewGuid().ToString("N")[..12];
        var table = azurite.Storage.Table(name);
        var queue = azurite.Storage.Queue(name);
        var container = azurite.Storage.Container(name);

        await table.WriteAsync(() => table.AddEntityAsync(new TableEntity("p", "r"), CancellationToken.None), CancellationToken.None);
        await queue.WriteAsync(() => queue.SendMessageAsync("hello", CancellationToken.None), CancellationToken.None);
        await container.WriteAsync(() => container.GetBlobClient("b").UploadAsync(BinaryData.FromString("body"), CancellationToken.None), CancellationToken.None);

        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>("p", "r")).HasValue);
        Assert.Equal(1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal("body", (await container.GetBlobClient("b").DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task Any_other_failure_of_the_write_is_not_retried()
    {
        var table = azurite.Storage.Table("m" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));
        var attempts = 0;

        var conflict = await Assert.ThrowsAsync<RequestFailedException>(() => table.WriteAsync(() =>
        {
            attempts++;
            return table.AddEntityAsync(new TableEntity("p", "r"));
        }, CancellationToken.None));

        Assert.Equal(409, conflict.Status);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_query_of_a_missing_table_reads_as_empty()
    {
        var table = azurite.Storage.Table("m" + Guid.NewGuid().ToString("N")[..12]);
        var rows = new List<TableEntity>();

        await foreach (var row in table.QueryAsync<TableEntity>().MissingAsEmpty()) rows.Add(row);

        Assert.Empty(rows);
    }
}

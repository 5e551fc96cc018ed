using System.Text;
using ConvoFunctions.Configuration;
using ConvoFunctions.Correlation;
using ConvoFunctions.Initiation;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.CallStart;

/// <summary>A recorded call-start request becomes a change of its call (real Azurite <c>changes</c> table).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InitiationChangesTests(AzuriteFixture azurite)
{
    private const string Secret = "isec_changes_test_5d8e2a1c";

    [Fact]
    public async Task Requests_buffered_when_the_host_stops_are_written_as_changes_of_their_call()
    {
        // An hour of its own, far from other tests' rows.
        var now = new DateTimeOffset(2031, 3, 4, 5, 6, 7, TimeSpan.Zero);
        var time = new ManualTimeProvider(now);
        var sid = "CA" + Guid.NewGuid().ToString("N");
        await using var services = TestServices.Create(azurite.ConnectionString, time,
            new Dictionary<string, string?> { [SettingNames.ElevenLabsInitiationSecret] = Secret });
        var changes = services.GetRequiredService<InitiationChanges>();
        await changes.StartAsync(CancellationToken.None);

        for (var i = 0; i < 2; i++)
        {
            using var body = new MemoryStream(Encoding.UTF8.GetBytes($$"""{"call_sid":"{{sid}}","agent_id":"agent_changes","caller_id":"+447700900123"}"""));
            Assert.Equal(200, (await services.GetRequiredService<InitiationResponder>().HandleAsync(body, Secret, CancellationToken.None)).StatusCode);
        }
        await changes.StopAsync(CancellationToken.None);

        var rows = (await services.GetRequiredService<CorrelationRepository>().GetChangesAsync(now.AddMinutes(-1), now.AddMinutes(1), CancellationToken.None))
            .Where(r => r.CallKeys == sid).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.True(r.IsInitiation);
            Assert.Equal(now, r.RecordedAt);
            Assert.Equal("agent_changes", r.AgentId);
            // Not searched yet: the NoConversation look-up marks it.
            Assert.Null(r.SearchedAt);
        });
    }
}

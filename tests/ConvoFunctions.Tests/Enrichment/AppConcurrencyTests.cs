using ConvoFunctions.Configuration;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.Enrichment;

/// <summary>
/// <c>ElevenLabs:AppMaxConcurrency</c> holds across instances: two service providers (two workers, each allowed 4 calls
/// of its own) over the same storage account never run more than 2 API calls at once between them.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AppConcurrencyTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_app_wide_bound_holds_across_instances()
    {
        var settings = new Dictionary<string, string?>
        {
            [SettingNames.ElevenLabsMaxConcurrency] = "4",
            [SettingNames.ElevenLabsAppMaxConcurrency] = "2",
        };
        await using var first = TestServices.Create(azurite.ConnectionString, settings: settings);
        await using var second = TestServices.Create(azurite.ConnectionString, settings: settings);
        var gates = new[] { first.GetRequiredService<ElevenLabsConcurrencyGate>(), second.GetRequiredService<ElevenLabsConcurrencyGate>() };

        var running = 0;
        var peak = 0;
        async Task<int> CallAsync(CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            // The stand-in for an API call's duration: long enough for the other instance's calls to contend.
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            Interlocked.Decrement(ref running);
            return now;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var calls = Enumerable.Range(0, 16).Select(i => gates[i % 2].RunAsync(CallAsync, timeout.Token)).ToList();
        await Task.WhenAll(calls);

        Assert.Equal(2, peak);
        Assert.Equal(16, calls.Count(c => c.IsCompletedSuccessfully));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}

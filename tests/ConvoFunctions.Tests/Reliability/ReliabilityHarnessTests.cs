using ConvoFunctions.Benchmarks.Reliability;

namespace ConvoFunctions.Tests.Reliability;

/// <summary>
/// The small run of <c>convo reliability</c>: 200 webhooks, one storage outage, API faults, bad input.
/// Counting, not sampling: nothing acknowledged may be lost, nothing transient may end in poison, every duplicate group
/// alerted once and nothing else.
/// </summary>
public sealed class ReliabilityHarnessTests
{
    [Fact]
    public async Task Small_run_with_a_storage_outage_loses_nothing_and_poisons_nothing()
    {
        var options = new ReliabilityOptions
        {
            Webhooks = 200,
            Concurrency = 16,
            StorageOutage = TimeSpan.FromSeconds(3),
            Deadline = TimeSpan.FromMinutes(8),
        };
        var output = new StringWriter();

        var report = await new ReliabilityHarness(options, output).RunAsync(CancellationToken.None);
        report.Print(output);

        Assert.True(report.Passed, output.ToString());
        Assert.Equal(1, report.StorageOutages);
        Assert.True(report.ServiceUnavailableAnswers > 0, "the outage should have been visible as 503s:\n" + output);
        Assert.Empty(report.Lost);
        Assert.Empty(report.BadInputStored);
        Assert.Equal(report.BadInputTotal, report.BadInputAnsweredAsExpected);
        // Transient API faults (429, 500, stalls) are retried; before the breaker was retuned they poisoned ~10%.
        Assert.Equal(0, report.PoisonMessages);
        Assert.Equal(report.ConversationsAcknowledged, report.ConversationsWithRows);
        // Every real+blank call alerted, once per channel, though a share of Teams/ACS posts failed and were retried.
        Assert.True(report.DuplicateGroups > 0);
        Assert.Equal(report.DuplicateGroups, report.AlertedGroups);
        Assert.Empty(report.DoubledGroups);
        // Most of those are one agent's calls: they fold into its incident, whose posts stay within their bound, and the
        // storm agent's incident, once its calls go on without twins, resolves with one post per channel.
        Assert.True(report.FoldedGroups > 0, output.ToString());
        Assert.Empty(report.IncidentsOverBound);
        Assert.True(report.StormResolved, output.ToString());
        // Real traffic's shapes are all in the run: replays hours late, SIP with a partial call_id, keyless pairs,
        // redials within the fuzzy gap, done-blank and greeting-only SDK siblings, SIP over Twilio, widget visits next to
        // calls; each duplicate alerted, no single call (or widget visit) alerted, no alert mixing two calls.
        // And a busy agent with a twin on every call 30 s apart, and one call id shared by calls hours apart: each of
        // those calls recorded once, the shared id's calls each on its own (no alert names two calls).
        Assert.Equal(Enum.GetNames<CallShape>().Order(), report.Shapes.Select(s => s.Split(' ')[0]).Order());
        // After the final sweeps the checkpoint is within settle delay + two schedules of now: nothing pins it.
        Assert.InRange(report.CheckpointLag, TimeSpan.Zero, report.CheckpointLagBound);
        Assert.Empty(report.MissedGroups);
        Assert.Empty(report.FalseAlerts);
        Assert.Empty(report.MixedAlerts);
    }
}

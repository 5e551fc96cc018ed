using System.CommandLine;


namespace ConvoFunctions.Benchmarks.Reliability;

internal static class ReliabilityCommand
{
    public static Command Create()
    {
        var webhooks = new Option<int>("--webhooks") { Description = "Webhooks to send (a bounded count).", DefaultValueFactory = _ => 2000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once.", DefaultValueFactory = _ => 32 };
        var outage = new Option<int>("--storage-outage-seconds")
        {
            Description = "How long Azurite is stopped half-way (0: no storage fault).",
            DefaultValueFactory = _ => 4,
        };
        var seed = new Option<int>("--seed") { Description = "Scenario seed; the same seed repeats the same run.", DefaultValueFactory = _ => 7 };

        var command = new Command("reliability",
            "Load and fault harness on loopback only: sends signed webhooks and bad input to a served app while storage and the API misbehave, then counts losses. Exit 0 when nothing was lost.")
        {
            webhooks, concurrency, outage, seed,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = new ReliabilityOptions
            {
                Webhooks = result.GetValue(webhooks),
                Concurrency = result.GetValue(concurrency),
                StorageOutage = TimeSpan.FromSeconds(result.GetValue(outage)),
                Seed = result.GetValue(seed),
            };
            var report = await new ReliabilityHarness(options, Console.Error).RunAsync(cancellationToken);
            report.Print(Console.Out);
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}

using ConvoFunctions.Detection;
using Spectre.Console;

namespace ConvoFunctions.Cli.Reports;

/// <summary>The audit's progress bar on an interactive terminal: pages listed, details fetched, rate-limit waits.</summary>
internal static class AuditProgress
{
    public static Task<AuditResult> RunWithBarAsync(AuditCounters counters, TextWriter stderr, Func<IProgress<string>, Task<AuditResult>> audit) =>
        CliConsole.For(stderr, terminal: true).Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var listing = context.AddTask("listing conversations").IsIndeterminate();
                var details = context.AddTask("details").IsIndeterminate();
                var phase = new StepProgress();
                var run = audit(phase);
                while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(150))) != run)
                {
                    Update(listing, details, counters, phase);
                }
                Update(listing, details, counters, phase);
                listing.Value = listing.MaxValue;
                details.Value = details.MaxValue;
                return await run;
            });

    private static void Update(ProgressTask listing, ProgressTask details, AuditCounters counters, StepProgress phase)
    {
        listing.Description = Markup.Escape($"{counters.Pages} pages listed, {counters.Listed} conversations");
        var waits = counters.RateLimited > 0 ? $", {counters.RateLimited} rate-limit waits" : "";
        details.Description = Markup.Escape($"{counters.Details} details fetched{waits}");
        if (phase.ListingDone && listing.IsIndeterminate) listing.IsIndeterminate(false).Value = listing.MaxValue;
    }

    /// <summary>The audit's own step lines: the one that follows listing marks the list phase done.</summary>
    private sealed class StepProgress : IProgress<string>
    {
        private volatile bool _listingDone;

        public bool ListingDone => _listingDone;

        public void Report(string value)
        {
            if (value.Contains("fetching their details", StringComparison.Ordinal)) _listingDone = true;
        }
    }
}

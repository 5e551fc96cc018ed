using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using ConvoFunctions.Alerts;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Correlation;
using ConvoFunctions.Detection;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ConvoFunctions.Sweep;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Benchmarks;

/// <summary>
/// Sweep time and rows read with 1,000 versus 100,000 historical conversations and the same 200 recent changes.
/// Each size gets its own Azurite (in memory) whose <c>activity</c>, <c>calls</c> and <c>changes</c> tables hold the
/// history (recorded long before the checkpoint) plus the same 200 changed conversations; the app's real
/// <see cref="DuplicateSweep"/> (from <c>AddConvoFunctions</c>) runs against it, its checkpoint set back before each
/// sweep so that every sweep considers the same changes. Sweeps of the two sizes are interleaved and repeated; the
/// rows each sweep read come from the sweep's own count (<see cref="SweepResult.RowsRead"/>).
/// </summary>
internal static class SweepScaling
{
    // 2025-11-24 15:10:00 UTC: the default window (LookBack 1 h, SettleDelay 2 min) is 14:10–15:08.
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1763996400 + 600);
    private static readonly int[] Sizes = [1_000, 100_000];
    private const int WindowConversations = 200;
    private const int AlertHistory = 1_000;
    private const string WindowBucket = "2025112414";
    private const string EmptyBucket = "2025112415";
    private static readonly DateTimeOffset CheckpointBefore = Now.AddMinutes(-5);
    private static readonly TimeSpan MeasureBudget = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan TotalBudget = TimeSpan.FromMinutes(20);

    public static async Task<int> RunAsync(int runs)
    {
        runs = Math.Clamp(runs, 3, 201);
        using var total = new CancellationTokenSource(TotalBudget);
        var ct = total.Token;
        var targets = new List<Target>();
        try
        {
            foreach (var rows in Sizes) targets.Add(await PrepareAsync(rows, ct));

            // Interleaved (1k, 100k, then 100k, 1k, ...) so that load from other processes hits both sizes alike.
            var budget = Stopwatch.StartNew();
            var done = 0;
            for (var i = 0; i < runs && budget.Elapsed < MeasureBudget; i++, done++)
            {
                foreach (var target in i % 2 == 0 ? targets : Enumerable.Reverse(targets))
                {
                    await target.Checkpoint.ResetAsync(CheckpointBefore, ct);
                    var sw = Stopwatch.StartNew();
                    var result = await target.Sweep.RunAsync(ct);
                    var sweepMs = sw.Elapsed.TotalMilliseconds;
                    if (result.Changes != WindowConversations || result.Duplicates.Count != 1)
                    {
                        Console.Error.WriteLine($"{target.Rows} rows: sweep saw {result.Changes} changes and {result.Duplicates.Count} duplicate groups");
                        return 1;
                    }
                    target.Sweeps.Add(sweepMs);
                    target.RowsRead.Add(result.RowsRead);

                    // The emulator's own cost of one partition query of the window's 200 rows, outside any of our code.
                    sw.Restart();
                    var count = 0;
                    await foreach (var _ in target.Activity.QueryAsync<TableEntity>(e => e.PartitionKey == WindowBucket, cancellationToken: ct)) count++;
                    target.Probes.Add(sw.Elapsed.TotalMilliseconds);
                    if (count != WindowConversations) throw new InvalidOperationException($"bucket {WindowBucket} holds {count} rows");

                    // The same for the window's other, empty hour: what the emulator spends finding nothing.
                    sw.Restart();
                    var none = 0;
                    await foreach (var _ in target.Activity.QueryAsync<TableEntity>(e => e.PartitionKey == EmptyBucket, cancellationToken: ct)) none++;
                    target.EmptyProbes.Add(sw.Elapsed.TotalMilliseconds);
                    if (none != 0) throw new InvalidOperationException($"bucket {EmptyBucket} holds {none} rows");
                }
            }
            if (done < runs) Console.WriteLine($"time budget ({MeasureBudget.TotalMinutes:F0} min) reached after {done} of {runs} runs per size");

            Report(targets, done);
            return 0;
        }
        finally
        {
            foreach (var target in targets) await target.DisposeAsync();
        }
    }

    private static async Task<Target> PrepareAsync(int rows, CancellationToken ct)
    {
        var azurite = await AzuriteProcess.StartAsync(location: null, cancellationToken: ct);
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                [SettingNames.Storage] = azurite.ConnectionString,
                [SettingNames.ElevenLabsWebhookSecret] = "wsec_benchmark_only",
                [SettingNames.DetectionDiscoveryEnabled] = "false",
                [SettingNames.DetectionWebhookHealthEnabled] = "false",
            }).Build();
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(configuration);
            services.AddLogging();
            var clock = new FixedTime(Now);
            services.AddSingleton<TimeProvider>(clock); // before AddConvoFunctions, which only TryAdds the clock
            services.AddSingleton(StorageClock.Following(clock));
            services.AddConvoFunctions(configuration);

            var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
            var storage = provider.GetRequiredService<StorageAccount>();
            await storage.EnsureCreatedAsync(ct);
            var activity = storage.Table(StorageNames.ActivityTable);

            var load = Stopwatch.StartNew();
            var loaded = await FillAsync(storage, rows, ct);
            await FillAlertHistoryAsync(storage.Table(StorageNames.AlertsTable), ct);
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "{0,7:N0} historical conversations: loaded {1:N0} activity/calls/changes rows ({2:N0} batches) + {3:N0} alert rows in {4:F1} s",
                rows, loaded.Rows, loaded.Batches, AlertHistory, load.Elapsed.TotalSeconds));

            var checkpoint = provider.GetRequiredService<SweepCheckpoint>();
            await checkpoint.ResetAsync(CheckpointBefore, ct);
            var sweep = provider.GetRequiredService<DuplicateSweep>();
            var warm = await sweep.RunAsync(ct); // the first sweep also raises the alert; later ones find it in the ledger
            if (warm.Changes != WindowConversations || warm.Duplicates.Count != 1 || !warm.Alerts.Any(a => a.Created))
            {
                throw new InvalidOperationException(
                    $"Warm-up sweep over {rows} rows: {warm.Changes} changes, {warm.Duplicates.Count} duplicate groups, {warm.Alerts.Count(a => a.Created)} new alerts; expected {WindowConversations}, 1, 1.");
            }
            return new Target(rows, azurite, provider, sweep, checkpoint, activity);
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// History spread over the 100 days before the window's hour buckets (newest 2 h before now), recorded when it
    /// started; then the changes: 199 conversations, 12 s apart, from 14:20 on, plus a blank twin of the first one's
    /// call 1 s earlier, all recorded a minute before now. Rows go in as batch transactions of up to 100 rows of one partition.
    /// </summary>
    private static async Task<(int Rows, int Batches)> FillAsync(StorageAccount storage, int historical, CancellationToken ct)
    {
        var all = new List<(string Table, ITableEntity Row)>();
        void Add(DateTimeOffset start, string id, string sid, bool real, DateTimeOffset recordedAt)
        {
            var facts = Facts(start, id, sid, real);
            all.Add((StorageNames.ActivityTable, ActivityRow.From(facts, start)));
            all.Add((StorageNames.CallsTable, CallRow.From(facts, facts.CallKey!)));
            all.Add((StorageNames.ChangesTable, ChangeRow.From(facts, recordedAt)));
        }
        for (var i = 0; i < historical; i++)
        {
            var start = Now.AddHours(-2).AddSeconds(-(long)i * 100L * 86400 / historical);
            Add(start, $"conv_hist_{i:D6}", $"CAhist{i:D6}", real: true, start.AddMinutes(3));
        }
        for (var i = 0; i < WindowConversations - 1; i++)
        {
            Add(Now.AddMinutes(-50).AddSeconds(i * 12), $"conv_win_{i:D4}", $"CAwin{i:D4}", real: true, Now.AddMinutes(-1));
        }
        Add(Now.AddMinutes(-50).AddSeconds(-1), "conv_win_blank", "CAwin0000", real: false, Now.AddMinutes(-1));

        var batches = all.GroupBy(e => (e.Table, e.Row.PartitionKey)).SelectMany(p => p.Chunk(100).Select(c => (p.Key.Table, Rows: c))).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (chunk, token) =>
            await storage.Table(chunk.Table).SubmitTransactionAsync(chunk.Rows.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e.Row)), token));
        return (all.Count, batches.Count);
    }

    /// <summary>Sent alerts of earlier calls, in their own partitions (the same for both sizes).</summary>
    private static async Task FillAlertHistoryAsync(TableClient alerts, CancellationToken ct) =>
        await Parallel.ForEachAsync(Enumerable.Range(0, AlertHistory), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token) =>
            await alerts.UpsertEntityAsync(new TableEntity($"twilio:CAold{i:D6}", "0002")
            {
                ["Payload"] = "{}", ["log_State"] = ChannelState.Sent, ["teams_State"] = ChannelState.Sent, ["email_State"] = ChannelState.Sent,
            }, TableUpdateMode.Replace, token));

    /// <summary>What enrichment knows of a Twilio call, from which the rows are built as enrichment builds them.</summary>
    private static ConversationFacts Facts(DateTimeOffset start, string id, string sid, bool real) => new ConversationFacts
    {
        ConversationId = id,
        Source = FactSources.Webhook,
        AgentId = "agent_01jx7sample0000000000000",
        Status = real ? "done" : "initiated",
        StartTime = start,
        DurationSeconds = real ? 142 : 0,
        MessageCount = real ? 10 : 0,
        HasAudio = real,
        TerminationReason = real ? "Call ended by remote party" : null,
        Provider = "twilio",
        Direction = "inbound",
        CallSid = sid,
        ExternalNumber = "+447700900123",
        ReadAt = start.AddMinutes(3),
        CallKey = sid,
        CallKeys = [sid],
    };

    private static void Report(IReadOnlyList<Target> targets, int runs)
    {
        Console.WriteLine();
        Console.WriteLine("| historical rows | window rows | sweeps | median ms | p25 ms | p75 ms | min ms | max ms |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var t in targets)
        {
            var s = t.Sweeps.Order().ToList();
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "| {0:N0} | {1} | {2} | {3:F1} | {4:F1} | {5:F1} | {6:F1} | {7:F1} |",
                t.Rows, WindowConversations, runs, Median(s), s[runs / 4], s[3 * runs / 4], s[0], s[^1]));
        }
        Console.WriteLine();
        Console.WriteLine("| historical rows | rows read per sweep (min / max) | bare query, 200-row partition (median ms) | bare query, empty partition (median ms) |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (var t in targets)
        {
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "| {0:N0} | {1:N0} / {2:N0} | {3:F1} | {4:F1} |",
                t.Rows, t.RowsRead.Min(), t.RowsRead.Max(), Median(t.Probes), Median(t.EmptyProbes)));
        }
        var (small, large) = (targets[0], targets[1]);
        Console.WriteLine();
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "ratio {0:N0} / {1:N0} (medians): whole sweep {2:F2} (goal <= 1.3: {3}); rows read {4:F2}; bare query 200-row partition {5:F2}; bare query empty partition {6:F2}",
            large.Rows, small.Rows, Median(large.Sweeps) / Median(small.Sweeps), Median(large.Sweeps) / Median(small.Sweeps) <= 1.3 ? "met" : "NOT met",
            (double)large.RowsRead.Max() / small.RowsRead.Max(), Median(large.Probes) / Median(small.Probes),
            Median(large.EmptyProbes) / Median(small.EmptyProbes)));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private sealed class Target : IAsyncDisposable
    {
        public Target(int rows, AzuriteProcess azurite, ServiceProvider services, DuplicateSweep sweep, SweepCheckpoint checkpoint, TableClient activity)
        {
            (Rows, Azurite, Services, Sweep, Checkpoint, Activity) = (rows, azurite, services, sweep, checkpoint, activity);
        }

        public int Rows { get; }
        public AzuriteProcess Azurite { get; }
        public ServiceProvider Services { get; }
        public DuplicateSweep Sweep { get; }
        public SweepCheckpoint Checkpoint { get; }
        public TableClient Activity { get; }
        public List<double> Sweeps { get; } = [];
        public List<int> RowsRead { get; } = [];
        public List<double> Probes { get; } = [];
        public List<double> EmptyProbes { get; } = [];

        public async ValueTask DisposeAsync()
        {
            await Services.DisposeAsync();
            await Azurite.DisposeAsync();
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

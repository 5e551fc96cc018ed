using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using ConvoFunctions.Alerts;
using ConvoFunctions.Configuration;
using ConvoFunctions.Detection;
using ConvoFunctions.Storage;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ConvoFunctions.Tests.Detection;

/// <summary>
/// Sweep time with 1,000 versus 100,000 historical conversation rows and the same window (CONVO_BENCHMARK=1).
/// The window reads hour-bucket partitions (PartitionKey = UTC hour of the start time), the layout the Table-backed
/// <see cref="IConversationWindow"/> uses over the <c>activity</c> table; the alerts table holds history in proportion.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SweepBenchmark(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1763996400 + 600);
    private const int WindowConversations = 200;
    private const int Runs = 31;
    private readonly Dictionary<int, IConversationWindow> _windows = [];

    [OptInFact("CONVO_BENCHMARK")]
    public async Task Sweep_time_follows_the_window_not_the_table()
    {
        int[] sizes = [1_000, 100_000];
        await FillAlertHistoryAsync(1_000);
        var sweeps = new List<(int Rows, DuplicateSweep Sweep, ServiceProvider Services)>();
        foreach (var rows in sizes)
        {
            var table = azurite.Storage.Table($"benchactivity{rows}");
            await table.DeleteAsync();
            await table.CreateIfNotExistsAsync();
            var load = Stopwatch.StartNew();
            await FillAsync(table, rows);
            output.WriteLine($"loaded {rows} historical rows + {WindowConversations} window rows in {load.Elapsed.TotalSeconds:F1} s");

            var services = TestServices.Create(azurite.ConnectionString, new ManualTimeProvider(Now), new Dictionary<string, string?>
            {
                [SettingNames.DetectionDiscoveryEnabled] = "false",
                [SettingNames.DetectionWebhookHealthEnabled] = "false",
            }, s => s.AddSingleton<IConversationWindow>(_windows[rows] = new HourBucketWindow(table)));
            var sweep = services.GetRequiredService<DuplicateSweep>();
            var warm = await sweep.RunAsync(CancellationToken.None); // the first run also raises the alert
            Assert.Equal(WindowConversations, warm.Observed);
            Assert.Single(warm.Duplicates);
            sweeps.Add((rows, sweep, services));
        }

        // Interleaved, so that load from other processes on the machine hits both sizes alike.
        var times = sizes.ToDictionary(r => r, _ => new List<double>());
        var windowTimes = sizes.ToDictionary(r => r, _ => new List<double>());
        var probeTimes = sizes.ToDictionary(r => r, _ => new List<double>());
        for (var i = 0; i < Runs; i++)
        {
            foreach (var (rows, sweep, _) in i % 2 == 0 ? sweeps : Enumerable.Reverse(sweeps))
            {
                var window = (HourBucketWindow)_windows[rows];
                window.Elapsed = TimeSpan.Zero;
                var sw = Stopwatch.StartNew();
                var result = await sweep.RunAsync(CancellationToken.None);
                times[rows].Add(sw.Elapsed.TotalMilliseconds);
                windowTimes[rows].Add(window.Elapsed.TotalMilliseconds);
                Assert.Equal(WindowConversations, result.Observed);

                // The emulator's own cost of one partition query of 199 rows, outside any of our code.
                sw.Restart();
                await foreach (var _ in window.Table.QueryAsync<TableEntity>(e => e.PartitionKey == "2025112414")) { }
                probeTimes[rows].Add(sw.Elapsed.TotalMilliseconds);
            }
        }
        foreach (var (_, _, services) in sweeps) await services.DisposeAsync();

        output.WriteLine("| historical rows | window rows | sweeps | median ms | p25 ms | p75 ms | min ms | max ms |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var rows in sizes)
        {
            var t = times[rows].Order().ToList();
            output.WriteLine(string.Format(CultureInfo.InvariantCulture, "| {0:N0} | {1} | {2} | {3:F1} | {4:F1} | {5:F1} | {6:F1} | {7:F1} |",
                rows, WindowConversations, Runs, t[Runs / 2], t[Runs / 4], t[3 * Runs / 4], t[0], t[^1]));
        }
        output.WriteLine("");
        output.WriteLine("| historical rows | window read (median ms) | sweep without window read (median ms) | one bare partition query on Azurite (median ms) |");
        output.WriteLine("|---:|---:|---:|---:|");
        foreach (var rows in sizes)
        {
            var rest = times[rows].Zip(windowTimes[rows], (a, b) => a - b).ToList();
            output.WriteLine(string.Format(CultureInfo.InvariantCulture, "| {0:N0} | {1:F1} | {2:F1} | {3:F1} |", rows, Median(windowTimes[rows]), Median(rest), Median(probeTimes[rows])));
        }
        var ratio = Median(times[sizes[1]]) / Median(times[sizes[0]]);
        var restRatio = Median(times[sizes[1]].Zip(windowTimes[sizes[1]], (a, b) => a - b).ToList()) / Median(times[sizes[0]].Zip(windowTimes[sizes[0]], (a, b) => a - b).ToList());
        var probeRatio = Median(probeTimes[sizes[1]]) / Median(probeTimes[sizes[0]]);
        output.WriteLine(string.Format(CultureInfo.InvariantCulture, "ratio 100,000 / 1,000 (median): whole sweep {0:F2}; sweep without window read {1:F2}; bare partition query {2:F2}", ratio, restRatio, probeRatio));
        // Our part of the sweep must not grow with the tables; the emulator's partition query is reported, not asserted.
        Assert.True(restRatio <= 1.3, $"ratio without window read {restRatio:F2}");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task FillAsync(TableClient table, int historical)
    {
        var all = new List<TableEntity>();
        // History: spread over the 100 days before the window.
        for (var i = 0; i < historical; i++)
        {
            var start = Now.AddHours(-2).AddSeconds(-(long)i * 100L * 86400 / historical);
            all.Add(Row(start, $"conv_hist_{i:D6}", $"CAhist{i:D6}", real: true));
        }
        // The window: 200 conversations in the last hour, one call of them with a blank twin.
        for (var i = 0; i < WindowConversations - 1; i++)
        {
            all.Add(Row(Now.AddMinutes(-50).AddSeconds(i * 12), $"conv_win_{i:D4}", $"CAwin{i:D4}", real: true));
        }
        all.Add(Row(Now.AddMinutes(-50).AddSeconds(-1), "conv_win_blank", "CAwin0000", real: false));

        await Parallel.ForEachAsync(
            all.GroupBy(e => e.PartitionKey).SelectMany(p => p.Chunk(100)),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (chunk, ct) => await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct));
    }

    private async Task FillAlertHistoryAsync(int count)
    {
        var alerts = azurite.Storage.Table(StorageNames.AlertsTable);
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await alerts.UpsertEntityAsync(new TableEntity($"twilio:CAold{i:D6}", "0002")
            {
                ["Payload"] = "{}", ["log_State"] = ChannelState.Sent, ["teams_State"] = ChannelState.Sent, ["email_State"] = ChannelState.Sent,
            }, TableUpdateMode.Replace, ct));
    }

    private static TableEntity Row(DateTimeOffset start, string id, string sid, bool real) => new(HourBucketWindow.Bucket(start), id)
    {
        ["AgentId"] = "agent_01jx7sample0000000000000",
        ["Provider"] = "twilio",
        ["CallSid"] = sid,
        ["Direction"] = "inbound",
        ["Caller"] = "+447700900123",
        ["StartTime"] = start,
        ["DurationSecs"] = real ? 142 : 0,
        ["Status"] = real ? "done" : "initiated",
        ["HasAudio"] = real,
        ["MessageCount"] = real ? 10 : 0,
        ["TerminationReason"] = real ? "Call ended by remote party" : "",
    };

    /// <summary>Reads only the hour partitions the window touches.</summary>
    private sealed class HourBucketWindow(TableClient table) : IConversationWindow
    {
        public TableClient Table => table;

        public TimeSpan Elapsed { get; set; }

        public static string Bucket(DateTimeOffset t) => t.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

        public async Task<IReadOnlyList<ObservedConversation>> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
        {
            var sw = Stopwatch.StartNew();
            var result = new List<ObservedConversation>();
            for (var hour = new DateTimeOffset(from.UtcDateTime.Date.AddHours(from.UtcDateTime.Hour), TimeSpan.Zero); hour < to; hour = hour.AddHours(1))
            {
                var bucket = Bucket(hour);
                await foreach (var e in table.QueryAsync<TableEntity>(e => e.PartitionKey == bucket, cancellationToken: cancellationToken))
                {
                    var start = e.GetDateTimeOffset("StartTime")!.Value;
                    if (start < from || start >= to) continue;
                    var sid = e.GetString("CallSid");
                    result.Add(new ObservedConversation(e.RowKey, e.GetString("AgentId")!, ObservedConversation.CallKeyFor(e.GetString("Provider"), sid),
                        e.GetString("Provider"), e.GetString("Direction"), sid, e.GetString("Caller"), start, e.GetInt32("DurationSecs") ?? 0,
                        e.GetString("Status")!, e.GetBoolean("HasAudio") ?? false, e.GetInt32("MessageCount") ?? 0, e.GetString("TerminationReason")));
                }
            }
            Elapsed += sw.Elapsed;
            return result;
        }
    }
}

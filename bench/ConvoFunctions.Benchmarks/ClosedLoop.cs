using System.Diagnostics;

namespace ConvoFunctions.Benchmarks;

/// <summary>A bounded closed-loop load: a fixed count of operations, a fixed number in flight, each one timed.</summary>
internal static class ClosedLoop
{
    /// <summary>Runs <paramref name="count"/> operations with <paramref name="concurrency"/> in flight; each one's latency (ms) and the wall time.</summary>
    public static async Task<(double[] Latencies, TimeSpan Elapsed)> RunAsync(int count, int concurrency, Func<int, Task> operation, CancellationToken ct)
    {
        var latencies = new double[count];
        var next = -1;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                ct.ThrowIfCancellationRequested();
                var start = Stopwatch.GetTimestamp();
                await operation(i);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }));
        return (latencies, wall.Elapsed);
    }

    /// <summary>The nearest-rank percentile <paramref name="q"/> (0–1) of <paramref name="values"/>.</summary>
    public static double Percentile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }
}

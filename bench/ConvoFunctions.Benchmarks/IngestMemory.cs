using System.Diagnostics;
using System.Text;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Benchmarks;

/// <summary>
/// Peak memory growth while ingesting one large audio webhook against Azurite. The body is generated as the
/// request stream is read, so any copy the ingest holds shows up as growth; a sampler records the peak.
/// </summary>
internal static class IngestMemory
{
    private const string Secret = "wsec_benchmark_only";

    public static async Task<int> RunAsync(int megabytes)
    {
        await using var azurite = await AzuriteProcess.StartAsync(location: null);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SettingNames.Storage] = azurite.ConnectionString,
            [SettingNames.ElevenLabsWebhookSecret] = Secret,
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddConvoFunctions(configuration).BuildServiceProvider();
        await services.GetRequiredService<StorageAccount>().EnsureCreatedAsync(CancellationToken.None);
        var ingestor = services.GetRequiredService<WebhookIngestor>();

        var size = megabytes * 1024 * 1024;
        var body = new GeneratedAudioWebhook(size);
        var header = WebhookSigner.Sign(body.ReadAll(), Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        // Warm up code paths and connection pools with a small webhook so only the large body's cost is measured.
        var small = new GeneratedAudioWebhook(64 * 1024);
        await ingestor.IngestAsync(small, small.Length, WebhookSigner.Sign(small.ReadAll(), Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()), CancellationToken.None);
        small.Position = 0;

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseManaged = GC.GetTotalMemory(forceFullCollection: true);
        var baseWorkingSet = process.WorkingSet64;
        var baseAllocated = GC.GetTotalAllocatedBytes(precise: true);

        long peakManaged = baseManaged, peakWorkingSet = baseWorkingSet;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
                process.Refresh();
                peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
                await Task.Delay(1);
            }
        });

        var watch = Stopwatch.StartNew();
        var result = await ingestor.IngestAsync(body, body.Length, header, CancellationToken.None);
        watch.Stop();
        await stop.CancelAsync();
        await sampler;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - baseAllocated;

        Console.WriteLine($"status                 {result.StatusCode} ({result.Status})");
        Console.WriteLine($"body                   {size / 1048576.0:F1} MiB");
        Console.WriteLine($"ingest time            {watch.Elapsed.TotalMilliseconds:F0} ms");
        Console.WriteLine($"peak managed growth    {(peakManaged - baseManaged) / 1048576.0:F1} MiB = {(double)(peakManaged - baseManaged) / size:F2} x body");
        Console.WriteLine($"peak working set growth {(peakWorkingSet - baseWorkingSet) / 1048576.0:F1} MiB = {(double)(peakWorkingSet - baseWorkingSet) / size:F2} x body");
        Console.WriteLine($"allocated during ingest {allocated / 1048576.0:F1} MiB = {(double)allocated / size:F2} x body");
        return result.IsSuccess ? 0 : 1;
    }

    /// <summary>A post_call_audio body produced on the fly, so the "request" itself holds no copy in memory.</summary>
    private sealed class GeneratedAudioWebhook(int length) : Stream
    {
        private static readonly byte[] Prefix = Encoding.UTF8.GetBytes(
            "{\"type\":\"post_call_audio\",\"event_timestamp\":1763996551,\"data\":{\"agent_id\":\"agent_bench\",\"conversation_id\":\"conv_bench_audio\",\"full_audio\":\"");
        private static readonly byte[] Suffix = Encoding.UTF8.GetBytes("\"}}");

        public override long Length => length;
        public override long Position { get; set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, Length - Position);
            for (var i = 0; i < n; i++) buffer[i] = At(Position + i);
            Position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public byte[] ReadAll()
        {
            var all = new byte[Length];
            Position = 0;
            ReadExactly(all);
            Position = 0;
            return all;
        }

        private byte At(long i) =>
            i < Prefix.Length ? Prefix[i]
            : i >= Length - Suffix.Length ? Suffix[i - (Length - Suffix.Length)]
            : (byte)'A';

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

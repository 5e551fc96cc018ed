using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs.Specialized;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.ElevenLabs;

/// <summary>
/// The app-wide bound on concurrent ElevenLabs API calls (<c>ElevenLabs:AppMaxConcurrency</c>), over every instance:
/// a call holds a blob lease on one of N slot blobs in <c>elevenlabs-slots</c>. Blob Storage grants a lease to one holder
/// at a time, whichever instance asks, so at most N calls run however far the app scales out. A lease lasts 60 s and
/// is renewed while the call runs; a crashed instance's slot frees itself when its lease expires.
/// </summary>
internal sealed class AppConcurrencySlots(StorageAccount storage, IOptions<ElevenLabsOptions> options, TimeProvider time)
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    // Slots this instance released last: usually still free, so the next call takes one in a single round trip
    // instead of probing slots other instances hold.
    private readonly ConcurrentQueue<int> _released = new();

    public int Limit => options.Value.AppMaxConcurrency;

    /// <summary>Waits for a free slot; dispose the result to give it back.</summary>
    public async Task<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        var container = storage.Container(StorageNames.ConcurrencySlotsContainer);
        var wait = TimeSpan.FromMilliseconds(25);
        while (true)
        {
            // Then a random order, which spreads instances over the slots instead of all contending for slot 0.
            var recent = _released.TryDequeue(out var last) && last < Limit ? [last] : Array.Empty<int>();
            foreach (var index in recent.Concat(Enumerable.Range(0, Limit).Except(recent).OrderBy(_ => Random.Shared.Next())))
            {
                var lease = container.GetBlobClient(SlotName(index)).GetBlobLeaseClient();
                if (await TryAcquireAsync(lease, cancellationToken)) return new Slot(lease, index, _released, time);
            }
            await Task.Delay(wait + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 25)), time, cancellationToken);
            wait = wait * 2 < MaxWait ? wait * 2 : MaxWait;
        }
    }

    private static string SlotName(int index) => $"slot-{index:00}";

    private async Task<bool> TryAcquireAsync(BlobLeaseClient lease, CancellationToken cancellationToken)
    {
        try
        {
            await lease.AcquireAsync(LeaseDuration, cancellationToken: cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false; // held by another call
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            await CreateSlotAsync(lease, cancellationToken);
            return false;
        }
    }

    private async Task CreateSlotAsync(BlobLeaseClient lease, CancellationToken cancellationToken)
    {
        var container = storage.Container(StorageNames.ConcurrencySlotsContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        try
        {
            await container.GetBlobClient(lease.Uri.Segments[^1]).UploadAsync(BinaryData.Empty, overwrite: false, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another caller created it first.
        }
    }

    private sealed class Slot : IAsyncDisposable
    {
        private readonly BlobLeaseClient _lease;
        private readonly int _index;
        private readonly ConcurrentQueue<int> _released;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewal;

        public Slot(BlobLeaseClient lease, int index, ConcurrentQueue<int> released, TimeProvider time)
        {
            _lease = lease;
            _index = index;
            _released = released;
            _renewal = RenewAsync(time, _stop.Token);
        }

        private async Task RenewAsync(TimeProvider time, CancellationToken stop)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(RenewEvery, time, stop);
                    await _lease.RenewAsync(cancellationToken: stop);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (RequestFailedException)
            {
                // Lost the lease (storage blip): the call finishes; the bound may be exceeded by one for its rest.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _renewal;
            _stop.Dispose();
            try
            {
                await _lease.ReleaseAsync();
                _released.Enqueue(_index);
            }
            catch (RequestFailedException)
            {
                // Expires by itself within the lease duration.
            }
        }
    }
}

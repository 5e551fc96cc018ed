using Microsoft.Extensions.Options;

namespace ConvoFunctions.ElevenLabs;

/// <summary>
/// Bounds concurrent ElevenLabs API calls: <c>ElevenLabs:MaxConcurrency</c> in this worker (a singleton), then, where
/// the app's storage is registered, <c>ElevenLabs:AppMaxConcurrency</c> over every instance (<see cref="AppConcurrencySlots"/>).
/// <c>convo audit</c> has no storage and only the local bound. Retries and <c>Retry-After</c> waits happen inside the
/// gate, so a rate-limited burst does not widen the load.
/// </summary>
internal sealed class ElevenLabsConcurrencyGate(IOptions<ElevenLabsOptions> options, AppConcurrencySlots? appSlots = null) : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(options.Value.MaxConcurrency, options.Value.MaxConcurrency);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken);
        try
        {
            if (appSlots is null) return await call(cancellationToken);
            await using var slot = await appSlots.AcquireAsync(cancellationToken);
            return await call(cancellationToken);
        }
        finally
        {
            _semaphore.Release();
        }
    }

    public void Dispose() => _semaphore.Dispose();
}

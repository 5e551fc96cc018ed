using Microsoft.Extensions.Options;

namespace ConvoFunctions.ElevenLabs;

/// <summary>
/// Bounds this worker's concurrent ElevenLabs API calls to <c>ElevenLabs:MaxConcurrency</c> (a singleton). Retries
/// and <c>Retry-After</c> waits happen inside the gate, so a rate-limited burst does not widen the load.
/// </summary>
internal sealed class ElevenLabsConcurrencyGate(IOptions<ElevenLabsOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(options.Value.MaxConcurrency, options.Value.MaxConcurrency);

    public int Limit { get; } = options.Value.MaxConcurrency;

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken);
        try
        {
            return await call(cancellationToken);
        }
        finally
        {
            _semaphore.Release();
        }
    }

    public void Dispose() => _semaphore.Dispose();
}

using System.Collections.Concurrent;
using ConvoFunctions.Correlation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Initiation;

/// <summary>
/// Notes each recorded call-start request as a change of its call (<see cref="ChangeRow.ForInitiation"/>), batched:
/// the requests of one second share an hour bucket, so they become one table transaction instead of one write each,
/// and the call waiting for the route's answer pays for one write only (its <c>initiations</c> row). The price: a
/// crash loses at most one interval of change notices, never a request's row; the call's conversations still bring
/// it to the sweep, only a call with no conversation at all would then go unjudged.
/// </summary>
internal sealed partial class InitiationChanges(CorrelationRepository correlation, TimeProvider time, ILogger<InitiationChanges> logger)
    : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>Notices kept while storage is down; beyond this, new ones are dropped (and logged).</summary>
    private const int MaxPending = 10_000;

    private readonly ConcurrentQueue<ChangeRow> _pending = new();

    public void Add(InitiationRecord record)
    {
        if (_pending.Count >= MaxPending)
        {
            LogDropped(record.CallKey);
            return;
        }
        _pending.Enqueue(ChangeRow.ForInitiation(record.CallKey, record.RequestId, record.AgentId, record.ReceivedAt));
    }

    /// <summary>Writes what is buffered; on failure keeps it for the next interval.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = new List<ChangeRow>();
        while (batch.Count < MaxPending && _pending.TryDequeue(out var row)) batch.Add(row);
        if (batch.Count == 0) return;
        try
        {
            await correlation.UpsertChangesAsync(batch, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            foreach (var row in batch) _pending.Enqueue(row);
            LogFlushFailed(batch.Count, ex.GetType().Name);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{count} call-start change notices not written ({error_type}); retried in a second")]
    private partial void LogFlushFailed(int count, string error_type);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call-start change notice for call {call_key} dropped: storage has been failing and the buffer is full (its initiations row is kept)")]
    private partial void LogDropped(string call_key);
}

using Azure.Data.Tables;
using ConvoFunctions.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Alerts;

/// <summary>What raising or resuming one alert did.</summary>
internal sealed record AlertOutcome(string Key, string Generation, bool Created, IReadOnlyList<string> Sent, IReadOnlyList<string> Failed);

/// <summary>
/// Sends alerts through every channel exactly once per alert row: insert first (one winner), then per channel claim →
/// send → complete. A failed channel stays <c>failed</c> and is retried by the next sweep; a sent one never again.
/// </summary>
internal sealed partial class AlertDispatcher(
    AlertLedger ledger,
    IEnumerable<IAlertChannel> channels,
    IOptions<AlertOptions> options,
    TimeProvider time,
    ConvoMetrics metrics,
    ILogger<AlertDispatcher> logger)
{
    private readonly IReadOnlyList<IAlertChannel> _channels = channels.ToList();

    /// <summary>Records the alert (unless a higher generation exists) and delivers whatever is not yet delivered.</summary>
    public async Task<AlertOutcome?> RaiseAsync(Alert alert, bool suppressIfHigherExists, CancellationToken cancellationToken)
    {
        var opened = await ledger.OpenAsync(alert.Key, alert.Generation, alert.ToJson(),
            _channels.Select(c => (c.Name, c.IsEnabled)), suppressIfHigherExists, cancellationToken);
        if (opened is not { } o) return null;
        if (o.Created) metrics.AlertRaised(alert.Kind);
        return await DeliverAsync(o.Row, o.Created, cancellationToken);
    }

    /// <summary>The group's latest alert of a lower generation (this one is then a follow-up to it), or null.</summary>
    public async Task<Alert?> EarlierGenerationAsync(string key, string generation, CancellationToken cancellationToken) =>
        (await ledger.RowsAsync(key, cancellationToken))
            .Where(r => string.CompareOrdinal(r.RowKey, generation) < 0)
            .OrderByDescending(r => r.RowKey, StringComparer.Ordinal)
            .Select(r => Alert.FromJson(r.GetString("Payload") ?? "{}"))
            .FirstOrDefault();

    /// <summary>Retries every unfinished alert (crashed or failed sends), wherever its group now is.</summary>
    /// <param name="skip">Alerts already handled in this sweep: a channel that just failed waits for the next sweep.</param>
    public async Task<IReadOnlyList<AlertOutcome>> ResumeOpenAsync(IReadOnlySet<(string Key, string Generation)> skip, CancellationToken cancellationToken)
    {
        var outcomes = new List<AlertOutcome>();
        foreach (var (pk, rk) in await ledger.ListOpenAsync(cancellationToken))
        {
            if (skip.Contains((pk, rk))) continue;
            try
            {
                var row = await ledger.GetAsync(pk, rk, cancellationToken);
                if (row is null)
                {
                    await ledger.CloseAsync(pk, rk, cancellationToken);
                    continue;
                }
                outcomes.Add(await DeliverAsync(row, false, cancellationToken));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // One unreadable alert must not keep the others from being finished.
                LogResumeFailed(pk, rk, ex.GetType().Name, ex.Message);
            }
        }
        return outcomes;
    }

    private async Task<AlertOutcome> DeliverAsync(TableEntity row, bool created, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var alert = Alert.FromJson(row.GetString("Payload") ?? "{}");
        var owner = Guid.NewGuid().ToString("N");
        List<string> sent = [], failed = [];

        foreach (var channel in _channels)
        {
            if (!AlertLedger.NeedsSending(row, channel.Name, time.GetUtcNow())) continue;
            var claimed = await ledger.TryClaimAsync(row, channel.Name, owner, time.GetUtcNow(), settings.ClaimLease, settings.MaxAttempts, cancellationToken);
            if (claimed is null)
            {
                row = await ledger.GetAsync(row.PartitionKey, row.RowKey, cancellationToken) ?? row;
                if (row.GetString($"{channel.Name}_State") == ChannelState.GivenUp) metrics.AlertPosted(alert.Kind, channel.Name, ChannelState.GivenUp);
                continue;
            }
            row = claimed;

            string? error = null;
            try
            {
                await channel.SendAsync(alert, cancellationToken);
            }
            catch (AlertChannelException ex)
            {
                error = ex.Message;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                error = ex.GetType().Name;
            }

            var (claimedRow, sentOk, sendError) = (row, error is null, error);
            row = await RecordSendAsync(() => ledger.CompleteAsync(claimedRow, channel.Name, owner, sentOk, sendError, time.GetUtcNow(), cancellationToken),
                channel.Name, alert, settings.ClaimLease, cancellationToken) ?? row;
            metrics.AlertPosted(alert.Kind, channel.Name, error is null ? ChannelState.Sent : ChannelState.Failed);
            if (error is null)
            {
                sent.Add(channel.Name);
            }
            else
            {
                failed.Add(channel.Name);
                LogChannelFailed(channel.Name, alert.Key, alert.Generation, error);
            }
        }

        if (AlertLedger.IsDone(row, _channels.Select(c => c.Name))) await ledger.CloseAsync(row.PartitionKey, row.RowKey, cancellationToken);
        else await ledger.IndexAsync(row.PartitionKey, row.RowKey, cancellationToken);

        return new AlertOutcome(row.PartitionKey, row.RowKey, created, sent, failed);
    }

    /// <summary>
    /// Records a send's result, retrying a failed write for up to half the claim lease: the post is out, and a result
    /// never recorded would have the channel taken over and posted again once the lease expires.
    /// </summary>
    private async Task<T> RecordSendAsync<T>(Func<Task<T>> record, string channel, Alert alert, TimeSpan lease, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                return await record();
            }
            catch (Exception ex) when (IsTransient(ex) && time.GetElapsedTime(started) + delay < lease / 2 && !cancellationToken.IsCancellationRequested)
            {
                LogRecordRetried(channel, alert.Key, alert.Generation, ex.GetType().Name, delay);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }

        static bool IsTransient(Exception ex) => ex is HttpRequestException or TimeoutException
            || (ex is Azure.RequestFailedException rf && rf.Status is not (400 or 404 or 409 or 412));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the result of {channel} for {alert_key} generation {alert_generation} failed ({error_type}); retrying in {delay} so it is not posted again")]
    private partial void LogRecordRetried(string channel, string alert_key, string alert_generation, string error_type, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Resuming alert {alert_key} generation {alert_generation} failed ({error_type}: {error}); the next sweep tries again")]
    private partial void LogResumeFailed(string alert_key, string alert_generation, string error_type, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert channel {channel} failed for {alert_key} generation {alert_generation}: {error}; the next sweep retries it")]
    private partial void LogChannelFailed(string channel, string alert_key, string alert_generation, string error);
}

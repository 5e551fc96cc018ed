using Azure.Storage.Queues.Models;
using ConvoFunctions.App.Detection;
using ConvoFunctions.App.Enrichment;
using ConvoFunctions.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Cli.Local;

/// <summary>
/// The queue trigger for <c>convo serve</c>: polls <c>webhook-events</c>, invokes <see cref="EnrichWebhookEventFunction"/>
/// exactly as the worker would (a fresh instance per message), deletes on success and lets a failure reappear
/// after the visibility timeout with a higher dequeue count. Like host.json it runs up to 16 + 8 messages at once
/// and, past <see cref="QueueSettings.MaxDequeueCount"/>, moves a message to the poison queue as the host does.
/// </summary>
internal sealed class QueuePoller(IServiceProvider services, StorageAccount storage, ILogger<QueuePoller> logger)
    : QueuePollerBase(StorageNames.WebhookEventsQueue, storage, logger)
{
    protected override async Task RunAsync(IServiceProvider scope, QueueMessage message, CancellationToken cancellationToken) =>
        await ActivatorUtilities.CreateInstance<EnrichWebhookEventFunction>(scope).Run(message, cancellationToken);

    protected override IServiceProvider Services => services;
}

/// <summary>The <c>call-checks</c> queue trigger for <c>convo serve</c>: <see cref="CheckCallFunction"/> per message, as the worker would.</summary>
internal sealed class CallCheckPoller(IServiceProvider services, StorageAccount storage, ILogger<CallCheckPoller> logger)
    : QueuePollerBase(StorageNames.CallChecksQueue, storage, logger)
{
    protected override async Task RunAsync(IServiceProvider scope, QueueMessage message, CancellationToken cancellationToken) =>
        await ActivatorUtilities.CreateInstance<CheckCallFunction>(scope).Run(message.Body.ToString(), cancellationToken);

    protected override IServiceProvider Services => services;
}

/// <summary>One queue trigger of the local host: polling, in-flight bound, visibility, poison, as the Functions host does.</summary>
internal abstract partial class QueuePollerBase(string queueName, StorageAccount storage, ILogger logger) : BackgroundService
{
    // host.json: batchSize 16 + newBatchThreshold 8.
    private const int MaxInFlight = 24;
    private const int BatchSize = 16;
    private static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(1);

    private long _completed;
    private long _failed;

    /// <summary>Locally a failure should come back quickly; Azure uses host.json's 30 s.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages processed and deleted.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Deliveries that threw (the message reappears).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = storage.Queue(queueName);
        using var slots = new SemaphoreSlim(MaxInFlight, MaxInFlight);
        var running = new HashSet<Task>();
        var delay = MinPoll;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                var wanted = Math.Min(BatchSize, slots.CurrentCount + 1);
                QueueMessage[] messages;
                try
                {
                    messages = (await queue.ReceiveMessagesAsync(wanted, VisibilityTimeout, stoppingToken)).Value;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    slots.Release();
                    LogReceiveFailed(ex.GetType().Name, ex.Message.Split('\n')[0]);
                    await Task.Delay(MaxPoll, stoppingToken);
                    continue;
                }

                if (messages.Length == 0)
                {
                    slots.Release();
                    await Task.Delay(delay, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPoll.Ticks));
                    continue;
                }

                delay = MinPoll;
                for (var i = 1; i < messages.Length; i++) await slots.WaitAsync(stoppingToken);
                foreach (var message in messages)
                {
                    var task = Task.Run(() => DeliverAsync(message, stoppingToken), CancellationToken.None);
                    lock (running) running.Add(task);
                    _ = task.ContinueWith(t =>
                    {
                        lock (running) running.Remove(t);
                        slots.Release();
                    }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        Task[] pending;
        lock (running) pending = [.. running];
        await Task.WhenAll(pending);
    }

    protected abstract IServiceProvider Services { get; }

    /// <summary>Invokes the queue's function class for one message, in its own scope.</summary>
    protected abstract Task RunAsync(IServiceProvider scope, QueueMessage message, CancellationToken cancellationToken);

    private async Task DeliverAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var queue = storage.Queue(queueName);
        try
        {
            if (message.DequeueCount > QueueSettings.MaxDequeueCount)
            {
                // What the host does past maxDequeueCount: move the bare message. The function normally handled
                // the last delivery itself, so this only happens when even that failed.
                await storage.Queue(queueName + "-poison").SendMessageAsync(message.Body.ToString(), cancellationToken);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                LogMovedToPoison(message.MessageId, message.DequeueCount);
                return;
            }

            await using (var scope = Services.CreateAsyncScope())
            {
                await RunAsync(scope.ServiceProvider, message, cancellationToken);
            }
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            Interlocked.Increment(ref _completed);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // The pop receipt went stale (processing outlived the visibility timeout): another delivery owns it now.
            Interlocked.Increment(ref _completed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _failed);
            LogDeliveryFailed(message.MessageId, message.DequeueCount, ex.GetType().Name);
        }
    }

    private void LogReceiveFailed(string error_type, string error) => LogReceiveFailed(queueName, error_type, error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from {queue} failed ({error_type}: {error}); retrying")]
    private partial void LogReceiveFailed(string queue, string error_type, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery {dequeue_count} of queue message {message_id} failed ({error_type}); it reappears after the visibility timeout")]
    private partial void LogDeliveryFailed(string message_id, long dequeue_count, string error_type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue message {message_id} moved to the poison queue after {dequeue_count} deliveries")]
    private partial void LogMovedToPoison(string message_id, long dequeue_count);
}

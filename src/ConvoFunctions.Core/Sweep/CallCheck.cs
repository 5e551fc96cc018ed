using System.Text.Json;
using ConvoFunctions.Correlation;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Sweep;

/// <summary>
/// One <c>call-checks</c> message: the call judged now (<see cref="DuplicateSweep.CheckAsync"/>), or queued again for
/// when its youngest conversation settles. A check is a shortcut the sweep backs up, so it never throws: a failure is
/// logged and the message completed, and no check ever lands in a poison queue.
/// </summary>
internal sealed partial class CallCheck(DuplicateSweep sweep, CallChecks checks, TimeProvider time, ILogger<CallCheck> logger)
{
    // Past the settle point, so the conversation is old enough to judge when the check comes round.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(2);

    public async Task HandleAsync(string messageText, CancellationToken cancellationToken)
    {
        CallCheckMessage message;
        try
        {
            message = CallCheckMessage.Parse(messageText);
        }
        catch (JsonException ex)
        {
            LogUnreadable(ex.Message);
            return;
        }

        try
        {
            if (await sweep.CheckAsync(message.ToChange(time.GetUtcNow()), cancellationToken) is { } settles)
            {
                var delay = settles - time.GetUtcNow() + Margin;
                await checks.SendAsync(message, delay > TimeSpan.Zero ? delay : Margin, cancellationToken);
                LogWaiting(message.ConversationId, settles);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(message.ConversationId, ex.GetType().Name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Call of {conversation_id} is judged again at {settles_at:o}, when its youngest conversation has settled")]
    private partial void LogWaiting(string conversation_id, DateTimeOffset settles_at);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Early check of the call of {conversation_id} failed ({error_type}: {error}); the next sweep judges it")]
    private partial void LogFailed(string conversation_id, string error_type, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An unreadable call check was dropped ({error}); the sweep judges every call anyway")]
    private partial void LogUnreadable(string error);
}

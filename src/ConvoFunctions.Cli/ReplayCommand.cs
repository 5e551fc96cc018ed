using System.CommandLine;
using ConvoFunctions.Storage;
using ConvoFunctions.Webhooks;

namespace ConvoFunctions.Cli;

internal static class ReplayCommand
{
    public static Command Create()
    {
        var target = new StorageTarget();
        var conversation = new Option<string?>("--conversation")
        {
            Description = "Replay only the messages of this conversation id (default: all).",
        };

        var command = new Command("replay", $"Move messages from {StorageNames.WebhookEventsPoisonQueue} back to {StorageNames.WebhookEventsQueue} once the cause is fixed.")
        {
            conversation,
        };
        target.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(target.Resolve(result), result.GetValue(conversation), Console.Out, cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(StorageAccount account, string? conversationId, TextWriter stdout, CancellationToken cancellationToken)
    {
        var result = await new PoisonQueue(account, TimeProvider.System).ReplayAsync(conversationId, cancellationToken);
        await stdout.WriteLineAsync($"Moved {result.Moved} message(s) from {StorageNames.WebhookEventsPoisonQueue} to {StorageNames.WebhookEventsQueue}"
            + (conversationId is null ? "." : $" for conversation {conversationId}; {result.Skipped} other(s) left."));
        return 0;
    }
}

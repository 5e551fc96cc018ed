using System.CommandLine;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Cli;

internal static class ReplayCommand
{
    public static Command Create()
    {
        var storage = new Option<string?>("--storage")
        {
            Description = $"Storage connection string (convo serve prints it); defaults to {SettingNames.Storage} from the environment or local.settings.json.",
        };
        var settings = new Option<string>("--settings")
        {
            Description = "local.settings.json to read (its \"Values\"); environment variables win over it.",
            DefaultValueFactory = _ => LocalConfiguration.DefaultSettingsFile,
        };
        var conversation = new Option<string?>("--conversation")
        {
            Description = "Replay only the messages of this conversation id (default: all).",
        };

        var command = new Command("replay", $"Move messages from {StorageNames.WebhookEventsPoisonQueue} back to {StorageNames.WebhookEventsQueue} once the cause is fixed.")
        {
            storage, settings, conversation,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(storage), result.GetValue(settings)!, result.GetValue(conversation), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(string? storage, string settingsFile, string? conversationId, CancellationToken cancellationToken)
    {
        var connection = storage ?? LocalConfiguration.Build(settingsFile)[SettingNames.Storage];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new SettingException($"No storage account: pass --storage <connection string> or set {SettingNames.Storage}.");
        }

        var account = StorageAccount.FromConnectionString(connection);
        var result = await new PoisonQueue(account, TimeProvider.System).ReplayAsync(conversationId, cancellationToken);
        Console.WriteLine($"Moved {result.Moved} message(s) from {StorageNames.WebhookEventsPoisonQueue} to {StorageNames.WebhookEventsQueue}"
            + (conversationId is null ? "." : $" for conversation {conversationId}; {result.Skipped} other(s) left."));
        return 0;
    }
}

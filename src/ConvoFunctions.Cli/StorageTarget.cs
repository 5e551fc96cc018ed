using System.CommandLine;
using Azure.Identity;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Storage;

namespace ConvoFunctions.Cli;

/// <summary>
/// Which storage account a verb reads: <c>--account &lt;name&gt;</c> (a deployed account, Entra ID through
/// <see cref="DefaultAzureCredential"/>: the deployed account allows no shared key), or <c>--storage &lt;connection
/// string&gt;</c>, or <c>AzureWebJobsStorage</c> from the environment or local.settings.json. Shared by replay and calls.
/// </summary>
internal sealed class StorageTarget
{
    public Option<string?> Storage { get; } = new("--storage")
    {
        Description = $"Storage connection string (Azurite; convo serve prints it); defaults to {SettingNames.Storage} from the environment or local.settings.json.",
    };

    public Option<string?> Account { get; } = new("--account")
    {
        Description = "Name of the deployed storage account (AZURE_STORAGE_ACCOUNT_NAME output); signs in with DefaultAzureCredential (az login).",
    };

    public Option<string> Settings { get; } = new("--settings")
    {
        Description = "local.settings.json to read (its \"Values\"); environment variables win over it.",
        DefaultValueFactory = _ => LocalConfiguration.DefaultSettingsFile,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Storage);
        command.Options.Add(Account);
        command.Options.Add(Settings);
        command.Validators.Add(result =>
        {
            if (result.GetValue(Storage) is not null && result.GetValue(Account) is not null)
                result.AddError("Give either --storage or --account, not both.");
        });
    }

    /// <summary>The account to use; throws with the options to give when there is none.</summary>
    public StorageAccount Resolve(ParseResult result) => Resolve(result.GetValue(Storage), result.GetValue(Account), result.GetValue(Settings)!);

    public static StorageAccount Resolve(string? storage, string? account, string settingsFile)
    {
        if (!string.IsNullOrWhiteSpace(account)) return StorageAccount.ForAccountName(account.Trim(), new DefaultAzureCredential());
        var connection = storage ?? LocalConfiguration.Build(settingsFile)[SettingNames.Storage];
        if (string.IsNullOrWhiteSpace(connection))
            throw new SettingException($"No storage account: pass --account <name>, --storage <connection string>, or set {SettingNames.Storage}.");
        return StorageAccount.FromConnectionString(connection);
    }
}

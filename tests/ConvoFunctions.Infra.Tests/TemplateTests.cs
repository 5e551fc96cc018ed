using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ConvoFunctions.Infra.Tests;

/// <summary>Assertions on the compiled ARM template: what gets deployed, not how the Bicep is written.</summary>
public partial class TemplateTests
{
    private const string StorageAccounts = "Microsoft.Storage/storageAccounts";
    private const string Sites = "Microsoft.Web/sites";
    private const string RoleAssignments = "Microsoft.Authorization/roleAssignments";

    private static readonly Dictionary<string, string> AppRoles = new()
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = StorageAccounts, // Storage Blob Data Owner
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = StorageAccounts, // Storage Queue Data Contributor
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = StorageAccounts, // Storage Table Data Contributor
        ["4633458b-17de-408a-b874-0445c86b69e6"] = "Microsoft.KeyVault/vaults", // Key Vault Secrets User
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Microsoft.Insights/components", // Monitoring Metrics Publisher
        ["09976791-48a7-449e-bb21-39d1a415f350"] = "Microsoft.Communication/communicationServices", // Communication and Email Service Owner
    };

    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

    /// <summary>
    /// Secure parameters that cannot go to Key Vault because their resource cannot read a vault, by the one module that
    /// may receive them: the action group's webhook receiver takes its URL as it is.
    /// </summary>
    private static readonly Dictionary<string, string> SecretsOutsideKeyVault = new(StringComparer.Ordinal)
    {
        ["monitorWebhookUrl"] = "alerts",
    };

    [Fact]
    public async Task Storage_AllowsNoSharedKeyNoPublicBlobsAndOnlyTls12()
    {
        var storage = (await Bicep.CompiledMainAsync()).Module("storage").InnerTemplate().Single(StorageAccounts);
        var properties = storage["properties"]!;
        Assert.False((bool)properties["allowSharedKeyAccess"]!);
        Assert.False((bool)properties["allowBlobPublicAccess"]!);
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
    }

    [Fact]
    public async Task Storage_HasTheContainersQueuesAndTablesTheCodeUses()
    {
        var main = await Bicep.CompiledMainAsync();
        var module = main.Module("storage");
        var inner = module.InnerTemplate();

        Assert.Equal(Sorted(Contract.Containers), Sorted(Arm.StringArray(main.Resolve(module.Parameter("containers")))));
        Assert.Equal(Sorted(Contract.Queues), Sorted(Arm.StringArray(main.Resolve(module.Parameter("queues")))));
        Assert.Equal(Sorted(Contract.Tables), Sorted(Arm.StringArray(main.Resolve(module.Parameter("tables")))));

        // Each list must actually become resources, one per name.
        AssertLoopOver(inner, "Microsoft.Storage/storageAccounts/blobServices/containers", "containers");
        AssertLoopOver(inner, "Microsoft.Storage/storageAccounts/queueServices/queues", "queues");
        AssertLoopOver(inner, "Microsoft.Storage/storageAccounts/tableServices/tables", "tables");
    }

    [Fact]
    public async Task FunctionApp_RunsOnFlexConsumptionWithDotnetIsolated10()
    {
        var main = await Bicep.CompiledMainAsync();
        var inner = main.Module("functionapp").InnerTemplate();

        var plan = inner.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.True((bool)plan["properties"]!["reserved"]!);

        var site = inner.Single(Sites);
        Assert.Equal("functionapp,linux", (string?)site["kind"]);
        var config = site["properties"]!["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]!["version"]);

        var storage = config["deployment"]!["storage"]!;
        Assert.Equal("blobContainer", (string?)storage["type"]);
        Assert.Equal("UserAssignedIdentity", (string?)storage["authentication"]!["type"]);
        Assert.Equal("[parameters('identityId')]", (string?)storage["authentication"]!["userAssignedIdentityResourceId"]);
        Assert.Equal("[parameters('instanceMemoryMB')]", (string?)config["scaleAndConcurrency"]!["instanceMemoryMB"]);
        Assert.Equal("[parameters('maximumInstanceCount')]", (string?)config["scaleAndConcurrency"]!["maximumInstanceCount"]);

        // Memory, scale-out and the deployment container are parameters of main.bicep.
        var parameters = main["parameters"]!.AsObject();
        Assert.True(parameters.ContainsKey("instanceMemoryMB"));
        Assert.True(parameters.ContainsKey("maximumInstanceCount"));
        Assert.True(parameters.ContainsKey("deploymentContainerName"));
        Assert.Equal("[parameters('deploymentContainerName')]", (string?)main.Module("storage").Parameter("deploymentContainerName"));
    }

    [Fact]
    public async Task FunctionApp_RunsAsTheUserAssignedIdentityOnly()
    {
        var main = await Bicep.CompiledMainAsync();
        var module = main.Module("functionapp");
        var site = module.InnerTemplate().Single(Sites);

        Assert.Equal("UserAssigned", (string?)site["identity"]!["type"]);
        Assert.Equal("[parameters('identityId')]", (string?)site["properties"]!["keyVaultReferenceIdentity"]);
        Assert.Contains("'identity'", (string?)module.Parameter("identityId"), StringComparison.Ordinal);
        Assert.Contains("outputs.clientId", (string?)module.Parameter("identityClientId"), StringComparison.Ordinal);
        Assert.Single(main.OfType("Microsoft.Resources/deployments").SelectMany(d => d.InnerTemplate().OfType("Microsoft.ManagedIdentity/userAssignedIdentities")));
    }

    [Fact]
    public async Task AppSettings_UseIdentityBasedStorage()
    {
        var settings = await AppSettingsAsync();

        foreach (var service in new[] { "blob", "queue", "table" })
        {
            Assert.True(settings.TryGetValue($"AzureWebJobsStorage__{service}ServiceUri", out var uri), $"No {service} service URI.");
            Assert.StartsWith("[parameters('storage", uri, StringComparison.Ordinal);
        }

        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal("[parameters('identityClientId')]", settings["AzureWebJobsStorage__clientId"]);
        Assert.Equal("[parameters('identityClientId')]", settings["AZURE_CLIENT_ID"]);
        Assert.False(settings.ContainsKey("AzureWebJobsStorage"), "A connection string would need a shared key.");
    }

    [Fact]
    public async Task AppSettings_AreNamedAsInSettingNames()
    {
        var settings = await AppSettingsAsync();
        Assert.All(settings.Keys, name => Assert.True(
            Contract.SettingKeys.Contains(name) || Contract.PlatformSettings.Contains(name) || IsStorageSubKey(name),
            $"App setting {name} is neither in SettingNames.cs nor a known platform setting."));
    }

    [Fact]
    public async Task AppSettings_HaveNoneThatFlexConsumptionForbids()
    {
        var settings = await AppSettingsAsync();
        Assert.All(settings.Keys, name => Assert.DoesNotContain(name, Contract.FlexForbiddenSettings));
    }

    [Fact]
    public async Task AppSettings_LeaveOutTheEmailAccessKey()
    {
        // Without the key the app authenticates to Communication Services with the managed identity.
        var settings = await AppSettingsAsync();
        Assert.False(settings.ContainsKey(Contract.Env(ConvoFunctions.Configuration.SettingNames.AlertsEmailAccessKey)));
    }

    [Fact]
    public async Task AppSettings_ReferenceSecretsInKeyVault()
    {
        var settings = await AppSettingsAsync();
        Assert.All(Contract.SecretSettings, name =>
        {
            Assert.True(settings.TryGetValue(name, out var value), $"{name} is not set.");
            Assert.Contains("@Microsoft.KeyVault(VaultName=", value, StringComparison.Ordinal);
            Assert.Contains("SecretName=", value, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task AppSettings_ForEmailAlertsComeFromCommunicationServices()
    {
        var main = await Bicep.CompiledMainAsync();
        var module = main.Module("functionapp");
        var settings = AppSettingsOf(module);
        Assert.Equal("[parameters('emailEndpoint')]", settings["Alerts__Email__Endpoint"]);
        Assert.Equal("[parameters('emailSender')]", settings["Alerts__Email__Sender"]);
        Assert.Equal("[parameters('emailRecipients')]", settings["Alerts__Email__Recipients"]);
        Assert.Contains("outputs.endpoint", module.Parameter("emailEndpoint")!.ToString(), StringComparison.Ordinal);
        Assert.Contains("outputs.sender", module.Parameter("emailSender")!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyVault_UsesRbacAndWritesEachSecretOnlyWhenGiven()
    {
        var main = await Bicep.CompiledMainAsync();
        var module = main.Module("keyvault");
        var inner = module.InnerTemplate();

        var vault = inner.Single("Microsoft.KeyVault/vaults");
        Assert.True((bool)vault["properties"]!["enableRbacAuthorization"]!);

        var secrets = inner.Single("Microsoft.KeyVault/vaults/secrets");
        Assert.Contains("not(empty(", (string?)secrets["condition"], StringComparison.Ordinal);

        // One secret per secure parameter, and every secure parameter goes to the vault (but those its resource cannot read).
        var given = (module.Parameter("secrets") as JsonObject)!.Select(pair => pair.Value!.ToString()).Order().ToArray();
        var secure = SecureParameters(main).Where(name => !SecretsOutsideKeyVault.ContainsKey(name)).Select(name => $"[parameters('{name}')]").Order().ToArray();
        Assert.Equal(secure, given);
        Assert.Equal(Contract.SecretSettings.Count, secure.Length);
    }

    [Fact]
    public async Task SecureParameters_ReachNothingButKeyVault()
    {
        var main = await Bicep.CompiledMainAsync();
        foreach (var name in SecureParameters(main))
        {
            var definition = main["parameters"]![name]!;
            Assert.Equal("", (string?)definition["defaultValue"] ?? "");

            var reference = $"parameters('{name}')";
            var destination = SecretsOutsideKeyVault.GetValueOrDefault(name, "keyvault");
            foreach (var resource in Arm.Resources(main).Where(r => (string?)r["name"] != destination))
            {
                // Only whether a secret was given may leave the vault module, never its value.
                var text = resource.ToJsonString().Replace($"empty({reference})", "", StringComparison.Ordinal);
                Assert.DoesNotContain(reference, text, StringComparison.Ordinal);
            }

            Assert.DoesNotContain(reference, main["outputs"]!.ToJsonString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Template_ContainsNoSecretLiteral()
    {
        var main = await Bicep.CompiledMainAsync();
        var parameters = Json.ParseObject((string?)Json.ParseObject((await Bicep.BuildParamsAsync()).StdOut)["parametersJson"] ?? "{}");
        Assert.All(Json.Strings(main).Concat(Json.Strings(parameters)), text =>
        {
            Assert.DoesNotMatch(SecretLooking(), text);
            var token = LongToken().Matches(text).Select(match => match.Value)
                .FirstOrDefault(value => value.Any(char.IsAsciiDigit) && value.Any(char.IsAsciiLetter));
            Assert.True(token is null, $"Looks like a key or token: {token}");
        });
    }

    [Fact]
    public async Task Monitoring_AcceptsOnlyEntraAuthenticatedTelemetry()
    {
        var inner = (await Bicep.CompiledMainAsync()).Module("monitoring").InnerTemplate();
        Assert.True((bool)inner.Single("Microsoft.Insights/components")["properties"]!["DisableLocalAuth"]!);
        Assert.True((bool)inner.Single("Microsoft.OperationalInsights/workspaces")["properties"]!["features"]!["disableLocalAuth"]!);

        var settings = await AppSettingsAsync();
        Assert.Contains("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"], StringComparison.Ordinal);
        Assert.Contains("identityClientId", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"], StringComparison.Ordinal);
        Assert.True(settings.ContainsKey("APPLICATIONINSIGHTS_CONNECTION_STRING"));
    }

    [Fact]
    public async Task Identity_HoldsEveryRoleTheAppNeeds_AtResourceScope()
    {
        var main = await Bicep.CompiledMainAsync();
        var module = main.Module("rbac-app");
        Assert.Null(module["condition"]);
        Assert.Equal("ServicePrincipal", (string?)module.Parameter("principalType"));
        Assert.Contains("'identity'", (string?)module.Parameter("principalId"), StringComparison.Ordinal);
        Assert.Contains("outputs.principalId", (string?)module.Parameter("principalId"), StringComparison.Ordinal);
        Assert.Null(module.Parameter("keyVaultSecretsOfficer"));
        Assert.False(string.IsNullOrEmpty((string?)module.Parameter("applicationInsightsName")));
        Assert.Contains("enableEmailAlerts", (string?)module.Parameter("communicationServiceName"), StringComparison.Ordinal);

        AssertRoles(module.InnerTemplate(), AppRoles);

        // The app's first start needs the roles already in place.
        Assert.Contains(main.Module("functionapp")["dependsOn"]!.AsArray(), d => ((string?)d)!.Contains("'rbac-app'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeployingUser_GetsTheDataRoles_OnlyWhenPrincipalIdIsGiven()
    {
        var main = await Bicep.CompiledMainAsync();
        var module = main.Module("rbac-user");
        Assert.Equal("[not(empty(parameters('principalId')))]", (string?)module["condition"]);
        Assert.Equal("[parameters('principalId')]", (string?)module.Parameter("principalId"));
        Assert.True((bool)module.Parameter("keyVaultSecretsOfficer")!);

        var expected = AppRoles
            .Where(role => role.Value != "Microsoft.Insights/components" && role.Value != "Microsoft.KeyVault/vaults")
            .Append(new(KeyVaultSecretsOfficer, "Microsoft.KeyVault/vaults"))
            .ToDictionary();
        AssertRoles(module.InnerTemplate(), expected);
    }

    [Fact]
    public async Task RoleAssignments_AreNeverAtResourceGroupScope()
    {
        var main = await Bicep.CompiledMainAsync();
        var assignments = Arm.Resources(main).Concat(main.OfType("Microsoft.Resources/deployments").SelectMany(d => Arm.Resources(d.InnerTemplate())))
            .Where(resource => resource.Type() == RoleAssignments)
            .ToList();
        Assert.NotEmpty(assignments);
        Assert.All(assignments, assignment => Assert.False(string.IsNullOrEmpty((string?)assignment["scope"]), assignment.ToJsonString()));
    }

    [Fact]
    public async Task CommunicationServices_IsOptional_AndSendsFromAnAzureManagedDomain()
    {
        var main = await Bicep.CompiledMainAsync();
        var module = main.Module("communication");
        Assert.Equal("[parameters('enableEmailAlerts')]", (string?)module["condition"]);

        var inner = module.InnerTemplate();
        var domain = inner.Single("Microsoft.Communication/emailServices/domains");
        Assert.Contains("'AzureManagedDomain'", (string?)domain["name"], StringComparison.Ordinal);
        Assert.Equal("AzureManaged", (string?)domain["properties"]!["domainManagement"]);
        Assert.NotEmpty(inner.Single("Microsoft.Communication/communicationServices")["properties"]!["linkedDomains"]!.AsArray());

        var sender = (string?)inner["outputs"]!["sender"]!["value"];
        Assert.Contains("DoNotReply@", sender, StringComparison.Ordinal);
        Assert.Contains("mailFromSenderDomain", sender, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outputs_GiveTheWebhookUrlAndResourceNames()
    {
        var outputs = (await Bicep.CompiledMainAsync())["outputs"]!.AsObject();
        var webhook = (string?)outputs["WEBHOOK_URL"]!["value"];
        // The route the webhook function declares, under the host's route prefix (host.json keeps the default).
        Assert.Contains($"https://{{0}}/{ConvoFunctions.App.Routes.Prefix}/{ConvoFunctions.App.Routes.ElevenLabsWebhook}'", webhook, StringComparison.Ordinal);
        var host = Json.ParseObject(await File.ReadAllTextAsync(Path.Combine(Bicep.RepoRoot, "host.json")));
        Assert.Equal(ConvoFunctions.App.Routes.Prefix, (string?)host["extensions"]?["http"]?["routePrefix"] ?? "api");
        Assert.Contains("defaultHostName", webhook, StringComparison.Ordinal);

        foreach (var name in new[] { "AZURE_FUNCTION_APP_NAME", "AZURE_STORAGE_ACCOUNT_NAME", "AZURE_KEY_VAULT_NAME", "AZURE_RESOURCE_GROUP", "AZURE_MANAGED_IDENTITY_NAME" })
        {
            Assert.True(outputs.ContainsKey(name), $"No output {name}.");
        }
    }

    [Fact]
    public async Task FunctionApp_IsTaggedForAzd()
    {
        var site = (await Bicep.CompiledMainAsync()).Module("functionapp").InnerTemplate().Single(Sites);
        Assert.Contains("createObject('azd-service-name', 'api')", (string?)site["tags"], StringComparison.Ordinal);
        var azureYaml = await File.ReadAllTextAsync(Path.Combine(Bicep.RepoRoot, "azure.yaml"));
        Assert.Matches(@"(?m)^  api:\s*$", azureYaml);
        Assert.Matches(@"(?m)^\s+host: function\s*$", azureYaml);
        Assert.Matches(@"(?m)^\s+path: infra-bicep\s*$", azureYaml);
    }

    internal static async Task<IReadOnlyDictionary<string, string>> AppSettingsAsync() =>
        AppSettingsOf((await Bicep.CompiledMainAsync()).Module("functionapp"));

    private static IReadOnlyDictionary<string, string> AppSettingsOf(JsonObject functionAppModule) =>
        Arm.AppSettings(functionAppModule.InnerTemplate().Single(Sites));

    // AzureWebJobsStorage__blobServiceUri and friends: the identity-based form of the AzureWebJobsStorage setting.
    internal static bool IsStorageSubKey(string name) =>
        name.StartsWith(Contract.Env(ConvoFunctions.Configuration.SettingNames.Storage) + "__", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<string> SecureParameters(JsonObject main) =>
        main["parameters"]!.AsObject()
            .Where(pair => string.Equals((string?)pair.Value!["type"], "securestring", StringComparison.OrdinalIgnoreCase))
            .Select(pair => pair.Key);

    private static void AssertRoles(JsonObject rbacTemplate, IReadOnlyDictionary<string, string> expected)
    {
        var assignments = rbacTemplate.OfType(RoleAssignments).ToList();
        foreach (var (roleId, scopeType) in expected)
        {
            var assignment = Assert.Single(assignments, a => ((string?)a["properties"]!["roleDefinitionId"])!.Contains(roleId, StringComparison.OrdinalIgnoreCase));
            Assert.Contains($"'{scopeType}'", (string?)assignment["scope"], StringComparison.Ordinal);
            Assert.Equal("[parameters('principalId')]", (string?)assignment["properties"]!["principalId"]);
        }
    }

    private static void AssertLoopOver(JsonObject template, string type, string parameter)
    {
        Assert.Contains(template.OfType(type), resource =>
            ((string?)resource["copy"]?["count"])?.Contains($"parameters('{parameter}')", StringComparison.Ordinal) == true
            && ((string?)resource["name"])!.Contains($"parameters('{parameter}')[copyIndex()]", StringComparison.Ordinal));
    }

    private static string[] Sorted(IEnumerable<string> names) => names.Order(StringComparer.Ordinal).ToArray();

    // Connection strings with keys, SAS signatures, ElevenLabs keys, Teams or Logic Apps webhook URLs.
    [GeneratedRegex(@"AccountKey=|SharedAccessSignature|[?&]sig=|InstrumentationKey=[0-9a-f]|\bsk_[0-9a-f]{16,}|logic\.azure\.com|webhook\.office\.com|powerplatform\.com/.*/invoke", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLooking();

    // A long run of base64 or hex characters; the caller ignores runs without both letters and digits
    // (resource types), and GUIDs and ARM expressions break the run.
    [GeneratedRegex(@"[A-Za-z0-9+/]{40,}")]
    private static partial Regex LongToken();
}

using System.Text.Json.Nodes;

namespace ConvoFunctions.Infra.Tests;

/// <summary>Retention and production hardening, asserted on the compiled template.</summary>
public class HardeningTests
{
    [Fact]
    public async Task Webhook_bodies_are_deleted_by_a_lifecycle_policy_after_the_retention()
    {
        var main = await Bicep.CompiledMainAsync();
        Assert.Equal(30, (int?)main["parameters"]!["retentionDays"]!["defaultValue"]);
        var module = main.Module("storage");
        Assert.Equal("[parameters('retentionDays')]", (string?)module.Parameter("retentionDays"));
        Assert.Equal([ConvoFunctions.Storage.StorageNames.WebhookContainer], Arm.StringArray(main.Resolve(module.Parameter("retainedContainers"))));

        var policy = module.InnerTemplate().Single("Microsoft.Storage/storageAccounts/managementPolicies");
        var rule = Assert.Single(policy["properties"]!["policy"]!["rules"]!.AsArray())!;
        Assert.True((bool)rule["enabled"]!);
        var definition = rule["definition"]!;
        Assert.Equal("blockBlob", (string?)Assert.Single(definition["filters"]!["blobTypes"]!.AsArray()));
        // The prefixes are one per retained container, "<container>/".
        var filters = string.Join(" ", Json.Strings(definition["filters"]));
        Assert.Contains("parameters('retainedContainers')", filters, StringComparison.Ordinal);
        Assert.Contains("'{0}/'", filters, StringComparison.Ordinal);
        Assert.Equal("[parameters('retentionDays')]", (string?)definition["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]);

        // The app removes the table rows after the same number of days.
        var settings = await TemplateTests.AppSettingsAsync();
        Assert.Equal("[string(parameters('retentionDays'))]", settings[Contract.Env(ConvoFunctions.Configuration.SettingNames.RetentionDays)]);
        var deployed = await DeployedSettingsTests.DefaultDeploymentSettingsAsync();
        Assert.Equal("30", deployed[Contract.Env(ConvoFunctions.Configuration.SettingNames.RetentionDays)]);
    }

    [Fact]
    public async Task Key_vault_purge_protection_is_on_by_default()
    {
        var main = await Bicep.CompiledMainAsync();
        Assert.True((bool)main["parameters"]!["keyVaultPurgeProtection"]!["defaultValue"]!);
        var module = main.Module("keyvault");
        Assert.Equal("[parameters('keyVaultPurgeProtection')]", (string?)module.Parameter("purgeProtection"));
        var vault = module.InnerTemplate().Single("Microsoft.KeyVault/vaults");
        Assert.Equal("[if(parameters('purgeProtection'), true(), null())]", (string?)vault["properties"]!["enablePurgeProtection"]);
    }

    [Fact]
    public async Task Storage_is_zone_redundant_where_the_region_has_zones_unless_a_sku_is_given()
    {
        var main = await Bicep.CompiledMainAsync();
        Assert.Equal("", (string?)main["parameters"]!["storageSku"]!["defaultValue"]);
        var sku = (string?)main["variables"]!["effectiveStorageSku"];
        Assert.Contains("Standard_ZRS", sku, StringComparison.Ordinal);
        Assert.Contains("Standard_LRS", sku, StringComparison.Ordinal);
        Assert.Contains("pickZones(", (string?)main["variables"]!["regionHasZones"], StringComparison.Ordinal);

        var storage = main.Module("storage");
        Assert.Equal("[variables('effectiveStorageSku')]", (string?)storage.Parameter("sku"));
        Assert.Equal("[parameters('sku')]", (string?)storage.InnerTemplate().Single("Microsoft.Storage/storageAccounts")["sku"]!["name"]);
    }

    [Fact]
    public async Task Flex_plan_is_zone_redundant_on_request()
    {
        var main = await Bicep.CompiledMainAsync();
        Assert.False((bool)main["parameters"]!["zoneRedundant"]!["defaultValue"]!);
        var module = main.Module("functionapp");
        Assert.Equal("[parameters('zoneRedundant')]", (string?)module.Parameter("zoneRedundant"));
        var plan = module.InnerTemplate().Single("Microsoft.Web/serverfarms");
        Assert.Equal("[parameters('zoneRedundant')]", (string?)plan["properties"]!["zoneRedundant"]);
    }

    [Fact]
    public async Task The_app_wide_ElevenLabs_concurrency_is_deployed()
    {
        var deployed = await DeployedSettingsTests.DefaultDeploymentSettingsAsync();
        Assert.Equal("4", deployed[Contract.Env(ConvoFunctions.Configuration.SettingNames.ElevenLabsAppMaxConcurrency)]);
    }
}

/// <summary>The host sends OpenTelemetry too, and the worker no longer carries the Application Insights 2.x SDK.</summary>
public class TelemetryModeTests
{
    [Fact]
    public async Task Host_and_worker_use_OpenTelemetry()
    {
        var host = Json.ParseObject(await File.ReadAllTextAsync(Path.Combine(Bicep.RepoRoot, "host.json")));
        Assert.Equal("OpenTelemetry", (string?)host["telemetryMode"]);
        Assert.Null(host["logging"]?["applicationInsights"]);

        var project = await File.ReadAllTextAsync(Path.Combine(Bicep.RepoRoot, "src", "ConvoFunctions.App", "ConvoFunctions.App.csproj"));
        Assert.Contains("Microsoft.Azure.Functions.Worker.OpenTelemetry", project, StringComparison.Ordinal);
        Assert.DoesNotContain("ApplicationInsights", project, StringComparison.Ordinal);
    }
}

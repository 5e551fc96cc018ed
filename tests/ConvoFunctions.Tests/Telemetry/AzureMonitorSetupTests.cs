using ConvoFunctions.Alerts;
using ConvoFunctions.App.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.Telemetry;

/// <summary>Where telemetry goes: Azure Monitor with the app's managed identity, and nowhere without a connection string.</summary>
public sealed class AzureMonitorSetupTests
{
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://swedencentral-0.in.applicationinsights.azure.com/";

    [Fact]
    public void Exports_with_the_user_assigned_identity_when_a_connection_string_is_set()
    {
        var options = ExporterOptions(new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString,
            ["AZURE_CLIENT_ID"] = "00000000-0000-0000-0000-00000000c11d",
        });

        Assert.Equal(ConnectionString, options.ConnectionString);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(options.Credential);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(ConnectionString, true)]
    public void Adds_the_exporter_only_with_a_connection_string(string? connectionString, bool expected)
    {
        var services = new ServiceCollection();
        services.AddConvoTelemetry().AddAzureMonitor(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = connectionString }).Build());
        Assert.Equal(expected, services.Any(d => d.ServiceType.FullName?.Contains("AzureMonitor", StringComparison.Ordinal) == true
            || d.ImplementationType?.FullName?.Contains("AzureMonitor", StringComparison.Ordinal) == true));
    }

    private static Azure.Monitor.OpenTelemetry.Exporter.AzureMonitorExporterOptions ExporterOptions(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddConvoTelemetry().AddAzureMonitor(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Azure.Monitor.OpenTelemetry.Exporter.AzureMonitorExporterOptions>>().Get(Microsoft.Extensions.Options.Options.DefaultName);
    }
}

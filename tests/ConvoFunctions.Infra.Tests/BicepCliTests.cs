using System.Text.Json.Nodes;

namespace ConvoFunctions.Infra.Tests;

/// <summary>The templates build and lint with no diagnostic at all: a warning fails like an error.</summary>
public class BicepCliTests
{
    [Fact]
    public async Task MainBicep_Builds()
    {
        var template = await Bicep.CompiledMainAsync();
        Assert.Equal("resourceGroup", TargetScope(template));
    }

    [Fact]
    public async Task MainBicep_LintsWithoutDiagnostics()
    {
        var lint = await Bicep.LintMainAsync();
        AssertNoSarifResults(lint, "bicep lint main.bicep");
    }

    [Fact]
    public async Task MainBicepParam_BuildsAndLintsWithoutDiagnostics()
    {
        var build = await Bicep.BuildParamsAsync();
        build.AssertClean("bicep build-params main.bicepparam");
        AssertNoSarifResults(await Bicep.LintParamsAsync(), "bicep lint main.bicepparam");

        var parameters = ParametersOf(build);
        var template = await Bicep.CompiledMainAsync();
        var declared = template["parameters"]!.AsObject();
        Assert.All(parameters, pair => Assert.True(declared.ContainsKey(pair.Key), $"{pair.Key} is not a parameter of main.bicep."));

        // Without the environment variables the file must hold no secret at all.
        foreach (var (name, definition) in declared)
        {
            if ((string?)definition!["type"] != "securestring") continue;
            if (parameters.TryGetPropertyValue(name, out var value))
            {
                Assert.Equal("", (string?)value!["value"]);
            }
        }
    }

    [Fact]
    public async Task MainBicepParam_SetsEveryRequiredParameter()
    {
        // azd does not prompt for parameters a .bicepparam file leaves out: it fails instead.
        var parameters = ParametersOf(await Bicep.BuildParamsAsync());
        var template = await Bicep.CompiledMainAsync();
        var required = template["parameters"]!.AsObject()
            .Where(pair => pair.Value is JsonObject definition && !definition.ContainsKey("defaultValue"))
            .Select(pair => pair.Key);
        Assert.All(required, name => Assert.True(parameters.ContainsKey(name), $"main.bicepparam does not set required parameter {name}."));
    }

    private static JsonObject ParametersOf(CliResult build)
    {
        var output = Json.ParseObject(build.StdOut);
        var parametersJson = Json.ParseObject((string?)output["parametersJson"] ?? throw new InvalidOperationException("No parametersJson."));
        return parametersJson["parameters"]!.AsObject();
    }

    private static string TargetScope(JsonObject template) =>
        ((string?)template["$schema"] ?? "").Contains("/deploymentTemplate.json", StringComparison.Ordinal) ? "resourceGroup" : "other";

    private static void AssertNoSarifResults(CliResult lint, string what)
    {
        Assert.True(lint.ExitCode == 0, $"{what} exited with {lint.ExitCode}:{Environment.NewLine}{lint.StdErr}{lint.StdOut}");
        var sarif = Json.ParseObject(lint.StdOut);
        var results = sarif["runs"]!.AsArray().SelectMany(run => run!["results"]!.AsArray()).ToList();
        Assert.True(results.Count == 0,
            $"{what} reported:{Environment.NewLine}{string.Join(Environment.NewLine, results.Select(r => r!.ToJsonString()))}");
        Assert.True(string.IsNullOrWhiteSpace(lint.StdErr), $"{what} wrote to stderr:{Environment.NewLine}{lint.StdErr}");
    }
}

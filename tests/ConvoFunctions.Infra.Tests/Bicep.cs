using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace ConvoFunctions.Infra.Tests;

/// <summary>Runs the Bicep CLI from the NuGet package, and compiles each file once for all tests.</summary>
internal static class Bicep
{
    // Environment variables main.bicepparam reads: cleared so a developer's azd environment or exported
    // secrets cannot change what the tests see (or leak into their output).
    private static readonly string[] ParameterVariables =
    [
        "AZURE_ENV_NAME", "AZURE_PRINCIPAL_ID", "AZURE_PRINCIPAL_TYPE", "ELEVENLABS_API_KEY", "ELEVENLABS_WEBHOOK_SECRET",
        "ELEVENLABS_PREVIOUS_WEBHOOK_SECRET", "TEAMS_WEBHOOK_URL", "ENABLE_EMAIL_ALERTS", "ACS_DATA_LOCATION",
        "ALERT_EMAIL_RECIPIENTS", "FUNCTION_MAXIMUM_INSTANCE_COUNT", "RETENTION_DAYS", "STORAGE_SKU", "ZONE_REDUNDANT",
        "KEY_VAULT_PURGE_PROTECTION", "ELEVENLABS_APP_MAX_CONCURRENCY", "ELEVENLABS_INITIATION_SECRET", "MONITOR_WEBHOOK_URL",
        "HTTP_ALWAYS_READY",
    ];

    private static readonly Lazy<Task<JsonObject>> MainTemplate = new(async () =>
    {
        var result = await RunAsync("build", MainBicep, "--stdout");
        result.AssertClean("bicep build main.bicep");
        return Json.ParseObject(result.StdOut);
    });

    private static readonly Lazy<Task<CliResult>> MainLint = new(() => RunAsync("lint", MainBicep, "--diagnostics-format", "sarif"));

    private static readonly Lazy<Task<CliResult>> ParamsBuild = new(() => RunAsync("build-params", MainBicepParam, "--stdout"));

    private static readonly Lazy<Task<CliResult>> ParamsLint = new(() => RunAsync("lint", MainBicepParam, "--diagnostics-format", "sarif"));

    public static string RepoRoot { get; } = FindRepoRoot();
    public static string InfraDirectory => Path.Combine(RepoRoot, "infra-bicep");
    public static string MainBicep => Path.Combine(InfraDirectory, "main.bicep");
    public static string MainBicepParam => Path.Combine(InfraDirectory, "main.bicepparam");

    public static Task<JsonObject> CompiledMainAsync() => MainTemplate.Value;
    public static Task<CliResult> LintMainAsync() => MainLint.Value;
    public static Task<CliResult> BuildParamsAsync() => ParamsBuild.Value;
    public static Task<CliResult> LintParamsAsync() => ParamsLint.Value;

    private static string Executable { get; } = LocateExecutable();

    private static async Task<CliResult> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = InfraDirectory,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var name in ParameterVariables) start.Environment.Remove(name);
        // No first-run banners or telemetry on a build machine.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within 2 minutes.");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static string LocateExecutable()
    {
        var path = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "BicepPath").Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The Bicep CLI is not at '{path}'. It comes from the Azure.Bicep.CommandLine NuGet package: run dotnet restore on this project.");
        }

        // NuGet extracts package files without the executable bit on some systems.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0) File.SetUnixFileMode(path, mode | execute);
        }

        return path;
    }

    private static string FindRepoRoot()
    {
        var fromBuild = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == "RepoRoot")?.Value;
        if (!string.IsNullOrEmpty(fromBuild) && File.Exists(Path.Combine(fromBuild, "azure.yaml"))) return Path.GetFullPath(fromBuild);

        // The build-time path is gone when the test binaries were moved: look upwards instead.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "azure.yaml"))) return directory.FullName;
        }

        throw new DirectoryNotFoundException("Could not find the repository root (the folder holding azure.yaml).");
    }
}

internal sealed record CliResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Exit code 0 and nothing on stderr, where Bicep writes every warning and error.</summary>
    public void AssertClean(string what)
    {
        Assert.True(ExitCode == 0 && string.IsNullOrWhiteSpace(StdErr),
            $"{what} exited with {ExitCode}:{Environment.NewLine}{StdErr}{StdOut}");
    }
}

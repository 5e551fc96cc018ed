using System.Diagnostics;
using System.Text.Json;

namespace ConvoFunctions.Tests.Infrastructure;

/// <summary>One thing Microsoft's Adaptive Cards renderer reported about a card: a parse event or a validation failure.</summary>
internal sealed record CardIssue(int Card, string Phase, string Event, string Message)
{
    public override string ToString() => $"card {Card}: {Phase} {Event}: {Message}";
}

/// <summary>What the renderer made of a message: how many cards it parsed and everything it reported.</summary>
internal sealed record CardCheck(int Cards, IReadOnlyList<CardIssue> Issues);

/// <summary>
/// Parses a Teams message or an Adaptive Card with the official JS renderer (the <c>adaptivecards</c> package pinned in
/// package.json, installed by the build's npm ci) through Alerts/cardcheck/validate.js, the same way the tests start
/// Azurite: <c>node</c> from PATH.
/// </summary>
internal static class AdaptiveCardRenderer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly Lazy<string> Library = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var library = Path.Combine(dir.FullName, "node_modules", "adaptivecards", "dist", "adaptivecards.js");
            if (File.Exists(library)) return library;
        }
        throw new FileNotFoundException("node_modules/adaptivecards is not above the test output: build the solution (its npm ci installs it).");
    });

    public static async Task<CardCheck> CheckAsync(string json)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new System.Text.UTF8Encoding(false),
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Alerts", "cardcheck", "validate.js"));
        start.ArgumentList.Add(Library.Value);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardInput.WriteAsync(json);
        process.StandardInput.Close();
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"validate.js exited with {process.ExitCode}: {await stderr}");
        return JsonSerializer.Deserialize<CardCheck>(await stdout, Json) ?? throw new InvalidDataException("validate.js printed nothing.");
    }
}

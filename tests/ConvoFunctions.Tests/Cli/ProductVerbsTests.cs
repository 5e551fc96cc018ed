using System.Text.RegularExpressions;

namespace ConvoFunctions.Tests.Cli;

/// <summary><c>convo --help</c>: the verbs a user of the product runs, and nothing of the harness or the benchmarks.</summary>
public sealed partial class ProductVerbsTests
{
    [Fact]
    public async Task Help_lists_only_the_product_verbs()
    {
        var run = await ConvoProcess.RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        var commands = run.Stdout[run.Stdout.IndexOf("Commands:", StringComparison.Ordinal)..];
        var verbs = VerbLine().Matches(commands).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["audit", "calls", "explain", "replay", "send", "serve", "test-alert"], verbs);
        // Nothing hidden either: the harness and the benchmarks run from bench/ConvoFunctions.Benchmarks.
        Assert.Equal(verbs.Length, ConvoFunctions.Cli.ConvoCommand.Create().Subcommands.Count);
    }

    [GeneratedRegex(@"^\s{2}([a-z][a-z-]*)\b", RegexOptions.Multiline)]
    private static partial Regex VerbLine();
}

using System.Text.RegularExpressions;
using ConvoFunctions.Configuration;
using NetArchTest.Rules;

namespace ConvoFunctions.Tests.Architecture;

/// <summary>
/// Core's capability folders depend one way, as docs/architecture.md draws it. The compiled code is checked (every
/// type use, fully qualified or not) and so is the source (<c>using</c> directives and doc references), so a backward
/// use fails here before it blurs the layers.
/// </summary>
public sealed partial class DependencyDirectionTests
{
    private static readonly string[] Foundation = ["Configuration", "Privacy", "Metrics", "Storage", "ElevenLabs"];

    /// <summary>What each folder may use besides itself; the same table as docs/architecture.md.</summary>
    private static readonly Dictionary<string, string[]> MayUse = new(StringComparer.Ordinal)
    {
        ["Configuration"] = [],
        ["Privacy"] = [],
        ["Metrics"] = [],
        ["Storage"] = ["Configuration"],
        ["ElevenLabs"] = ["Configuration", "Metrics", "Storage"],
        ["Conversations"] = Foundation,
        ["Webhooks"] = Foundation,
        ["Correlation"] = [.. Foundation, "Conversations"],
        ["Enrichment"] = [.. Foundation, "Conversations", "Correlation", "Webhooks"],
        ["Initiation"] = [.. Foundation, "Conversations", "Correlation", "Webhooks"],
        ["Detection"] = [.. Foundation, "Conversations", "Correlation"],
        ["Telephony"] = [.. Foundation, "Conversations", "Detection"],
        ["Alerts"] = [.. Foundation, "Conversations", "Detection", "Telephony"],
        ["Retention"] = [.. Foundation, "Correlation"],
        ["Sweep"] = [.. Foundation, "Conversations", "Correlation", "Webhooks", "Initiation", "Detection", "Telephony", "Alerts"],
        ["Operations"] = [.. Foundation, "Conversations", "Correlation", "Detection", "Alerts"],
    };

    private static readonly System.Reflection.Assembly Core = typeof(SettingNames).Assembly;

    [Fact]
    public void Every_capability_folder_has_a_place_in_the_direction()
    {
        var folders = Directory.GetDirectories(CoreSourceDirectory())
            .Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(MayUse.Keys.Order(StringComparer.Ordinal), folders);
    }

    [Fact]
    public void The_architecture_doc_holds_the_same_table()
    {
        var doc = File.ReadAllLines(Configuration.SettingsContractTests.RepoFile(Path.Combine("docs", "architecture.md")));
        var rows = doc.Select(line => DocRow().Match(line)).Where(m => m.Success && MayUse.ContainsKey(m.Groups[1].Value))
            .ToDictionary(m => m.Groups[1].Value, m => DocUses(m.Groups[2].Value), StringComparer.Ordinal);

        Assert.Equal(MayUse.Keys.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        foreach (var (folder, allowed) in MayUse) Assert.Equal(allowed.Order(StringComparer.Ordinal), rows[folder]);
    }

    [Fact]
    public void The_written_direction_has_no_cycle()
    {
        Assert.Empty(Cycle(MayUse));
    }

    [Fact]
    public void A_cycle_in_a_direction_is_found()
    {
        var backward = new Dictionary<string, string[]>(MayUse) { ["Storage"] = ["Configuration", "Sweep"] };

        Assert.Equal(["Storage", "Sweep", "Storage"], Cycle(backward));
    }

    [Fact]
    public void Compiled_types_use_only_the_folders_below_them()
    {
        var backward = new List<string>();
        foreach (var (folder, allowed) in MayUse)
        {
            // A folder NetArchTest sees no type in would pass without being checked.
            Assert.NotEmpty(Types.InAssembly(Core).That().ResideInNamespace(Namespace(folder)).GetTypes());
            var forbidden = MayUse.Keys.Where(other => other != folder && !allowed.Contains(other)).Select(Namespace).ToArray();
            var result = Types.InAssembly(Core).That().ResideInNamespace(Namespace(folder))
                .ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
            backward.AddRange((result.FailingTypeNames ?? []).Select(type => $"{type} (in {folder})"));
        }

        Assert.Empty(backward);
    }

    [Fact]
    public void Source_files_name_only_the_folders_below_them()
    {
        var root = CoreSourceDirectory();
        var backward = new List<string>();
        foreach (var (folder, allowed) in MayUse)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file);
                foreach (var used in NamedFolders(text).Where(used => used != folder && !allowed.Contains(used)))
                {
                    backward.Add($"{Path.GetRelativePath(root, file)} names {used}");
                }
            }
        }

        Assert.Empty(backward);
    }

    [Fact]
    public void A_backward_using_in_source_is_found()
    {
        Assert.Equal(["Sweep", "Webhooks", "Alerts"], NamedFolders(
            "using ConvoFunctions.Sweep;\nvar q = typeof(ConvoFunctions.Webhooks.PoisonQueue);\n/// <see cref=\"Alerts.AlertLedger\"/>\nvar x = result.Alerts.Count;"));
    }

    private static string Namespace(string folder) => $"ConvoFunctions.{folder}";

    /// <summary>A "May use" cell of the doc's table: names, "—" for none, "the foundation" for its four folders.</summary>
    private static List<string> DocUses(string cell) =>
        cell.Replace("the foundation (Configuration, Privacy, Metrics, Storage, ElevenLabs)", string.Join(", ", Foundation))
            .Replace("the foundation", string.Join(", ", Foundation))
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(name => name != "—")
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Folders a source file names: <c>using ConvoFunctions.X</c>, <c>ConvoFunctions.X.Type</c> and <c>X.Type</c>.</summary>
    private static List<string> NamedFolders(string source) =>
        FullyQualified().Matches(source).Select(m => m.Groups[1].Value).Where(MayUse.ContainsKey)
            .Concat(Qualified().Matches(source).Select(m => m.Groups[1].Value).Where(MayUse.ContainsKey))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>The first cycle of the graph as a path that ends where it starts; empty when there is none.</summary>
    private static List<string> Cycle(IReadOnlyDictionary<string, string[]> graph)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start) is { } cycle) return cycle;
        }
        return [];

        List<string>? Visit(string node)
        {
            if (path.IndexOf(node) is var at and >= 0) return [.. path[at..], node];
            if (!done.Add(node)) return null;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node, []))
            {
                if (Visit(next) is { } cycle) return cycle;
            }
            path.RemoveAt(path.Count - 1);
            return null;
        }
    }

    private static string CoreSourceDirectory() =>
        Path.Combine(Path.GetDirectoryName(Configuration.SettingsContractTests.RepoFile("ConvoFunctions.sln"))!, "src", "ConvoFunctions.Core");

    [GeneratedRegex(@"^\| (\w+) \| (.+) \|$")]
    private static partial Regex DocRow();

    // using ConvoFunctions.X; ConvoFunctions.X.Type; global::ConvoFunctions.X.Type
    [GeneratedRegex(@"(?<![\w.])ConvoFunctions\.(\w+)\b")]
    private static partial Regex FullyQualified();

    // A folder name qualifying a type (ElevenLabs.UnixTime, cref="Detection.Verdict"), not a member access (result.Alerts).
    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)\.[A-Z]")]
    private static partial Regex Qualified();
}

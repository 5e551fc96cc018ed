using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using ConvoFunctions.Detection;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Metrics;
using ConvoFunctions.Tests.Configuration;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.Telemetry;

/// <summary>
/// <see cref="MetricNames.All"/> is the one list of the app's metrics: the meter publishes exactly these instruments,
/// with these units and descriptions, and docs/operations.md describes the same names, kinds, units and tags.
/// </summary>
public sealed partial class MetricCatalogueTests
{
    [Fact]
    public void Names_are_unique_and_follow_the_convo_prefix()
    {
        Assert.Equal(MetricNames.All.Count, MetricNames.All.Select(d => d.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(MetricNames.All, d => Assert.Matches(@"^convo(\.[a-z_]+)+$", d.Name));
        Assert.All(MetricNames.All, d => Assert.Matches(@"^(s|\{[a-z]+\})$", d.Unit));
        Assert.All(MetricNames.All, d => Assert.False(string.IsNullOrWhiteSpace(d.Description)));
    }

    [Fact]
    public void Every_name_constant_is_in_the_list()
    {
        var constants = typeof(MetricNames).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(MetricNames.Meter))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal);

        Assert.Equal(MetricNames.All.Select(d => d.Name).Order(StringComparer.Ordinal), constants);
    }

    [Fact]
    public void The_one_meter_publishes_every_listed_instrument_with_its_unit_and_description()
    {
        using var services = new ServiceCollection().AddConvoMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var published = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Scope == factory) lock (published) published.Add(instrument);
            },
        };
        listener.Start();

        services.GetRequiredService<ConvoMetrics>();

        Assert.All(published, i => Assert.Equal(MetricNames.Meter, i.Meter.Name));
        Assert.Equal(MetricNames.All.Select(d => d.Name).Order(StringComparer.Ordinal), published.Select(i => i.Name).Order(StringComparer.Ordinal));
        foreach (var instrument in published)
        {
            var definition = MetricNames.Get(instrument.Name);
            Assert.Equal(definition.Unit, instrument.Unit);
            Assert.Equal(definition.Description, instrument.Description);
            Assert.Equal(definition.Kind == InstrumentKind.Counter ? typeof(Counter<long>) : typeof(Histogram<double>), instrument.GetType());
        }
    }

    [Fact]
    public void The_operations_page_lists_the_same_metrics()
    {
        var rows = File.ReadAllLines(SettingsContractTests.RepoFile(Path.Combine("docs", "operations.md")))
            .Select(line => DocRow().Match(line)).Where(m => m.Success)
            .ToDictionary(m => m.Groups["name"].Value, m => m, StringComparer.Ordinal);

        Assert.Equal(MetricNames.All.Select(d => d.Name).Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        foreach (var definition in MetricNames.All)
        {
            var row = rows[definition.Name];
            Assert.Equal(definition.Kind.ToString().ToLowerInvariant(), row.Groups["kind"].Value);
            Assert.Equal(definition.Unit, row.Groups["unit"].Value);
            var tags = TagCell().Matches(row.Groups["tags"].Value).Select(m => m.Groups[1].Value);
            Assert.Equal(definition.Tags.Order(StringComparer.Ordinal), tags.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Enum_values_become_the_snake_case_tag_values_the_queries_use()
    {
        Assert.Equal("real_plus_blank", ConvoMetrics.Snake(Verdict.RealPlusBlank));
        Assert.Equal("no_conversation", ConvoMetrics.Snake(Verdict.NoConversation));
        Assert.Equal("storage_unavailable", ConvoMetrics.Snake(IngestStatus.StorageUnavailable));
        Assert.Equal("queued", ConvoMetrics.Snake(IngestStatus.Queued));
    }

    [Theory]
    [InlineData("https://api.elevenlabs.io/v1/convai/conversations/conv_01jx7abc", "/v1/convai/conversations/{id}")]
    [InlineData("https://api.elevenlabs.io/v1/convai/conversations?agent_id=agent_01jx&page_size=100", "/v1/convai/conversations")]
    [InlineData("https://api.elevenlabs.io/v1/convai/agents/agent_01jx7sample", "/v1/convai/agents/{id}")]
    [InlineData("https://api.elevenlabs.io/v1/workspace/webhooks", "/v1/workspace/webhooks")]
    [InlineData("http://127.0.0.1:5001/v1/convai/settings", "/v1/convai/settings")]
    public void ElevenLabs_endpoints_are_tagged_without_their_ids(string url, string endpoint)
    {
        Assert.Equal(endpoint, ElevenLabsRequestCounter.Endpoint(new Uri(url)));
    }

    // | `convo.x.y` | counter | `{unit}` | `a`, `b` | meaning |
    [GeneratedRegex(@"^\| `(?<name>convo\.[a-z_.]+)` \| (?<kind>\w+) \| `(?<unit>[^`]+)` \| (?<tags>[^|]*) \| [^|]+ \|$")]
    private static partial Regex DocRow();

    [GeneratedRegex(@"`([a-z_]+)`")]
    private static partial Regex TagCell();
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ConvoFunctions.Infra.Tests;

internal static class Json
{
    public static JsonObject ParseObject(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new JsonException("Expected a JSON object.");

    /// <summary>Every string anywhere in the tree: values and property names.</summary>
    public static IEnumerable<string> Strings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    yield return key;
                    foreach (var s in Strings(value)) yield return s;
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    foreach (var s in Strings(item)) yield return s;
                }
                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                yield return text;
                break;
        }
    }
}

/// <summary>Reads a compiled ARM template: modules become nested deployments with their own template.</summary>
internal static partial class Arm
{
    /// <summary>Resources of one template, whether listed (languageVersion 1) or keyed by symbolic name (2.0).</summary>
    public static IEnumerable<JsonObject> Resources(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject byName => byName.Select(pair => pair.Value).OfType<JsonObject>(),
        _ => [],
    };

    public static string Type(this JsonObject resource) => (string?)resource["type"] ?? "";

    public static IEnumerable<JsonObject> OfType(this JsonObject template, string type) =>
        Resources(template).Where(resource => string.Equals(resource.Type(), type, StringComparison.OrdinalIgnoreCase));

    public static JsonObject Single(this JsonObject template, string type) => Assert.Single(template.OfType(type));

    /// <summary>The nested deployment of a module, by its deployment name.</summary>
    public static JsonObject Module(this JsonObject template, string name) =>
        Assert.Single(template.OfType("Microsoft.Resources/deployments"), deployment => (string?)deployment["name"] == name);

    public static JsonObject InnerTemplate(this JsonObject deployment) =>
        deployment["properties"]?["template"] as JsonObject ?? throw new JsonException("Deployment without a template.");

    /// <summary>
    /// A module parameter's value as the outer template writes it. Bicep writes a conditional value as
    /// <c>[if(cond, createObject('value', a), createObject('value', b))]</c>; that expression is returned as is.
    /// </summary>
    public static JsonNode? Parameter(this JsonObject deployment, string name)
    {
        var parameter = deployment["properties"]?["parameters"]?[name];
        return parameter is JsonObject obj ? obj["value"] : parameter;
    }

    /// <summary>Resolves <c>[variables('x')]</c> and <c>[variables('x').y]</c> against the template that declares them.</summary>
    public static JsonNode? Resolve(this JsonObject template, JsonNode? value)
    {
        if (value is not JsonValue v || !v.TryGetValue<string>(out var text)) return value;
        var match = VariableReference().Match(text);
        if (!match.Success) return value;

        var node = template["variables"]?[match.Groups["name"].Value];
        if (match.Groups["member"].Success) node = node?[match.Groups["member"].Value];
        return node ?? throw new JsonException($"Variable reference {text} does not resolve.");
    }

    public static string[] StringArray(JsonNode? node) =>
        (node as JsonArray ?? throw new JsonException($"Expected an array, got {node?.ToJsonString()}."))
        .Select(item => (string?)item ?? throw new JsonException("Expected strings only.")).ToArray();

    /// <summary>The app settings of a site, as name/value pairs (values may be ARM expressions).</summary>
    public static IReadOnlyDictionary<string, string> AppSettings(JsonObject site)
    {
        var settings = site["properties"]?["siteConfig"]?["appSettings"] as JsonArray
            ?? throw new JsonException("The site has no literal siteConfig.appSettings array.");
        return settings.OfType<JsonObject>().ToDictionary(
            setting => (string?)setting["name"] ?? throw new JsonException("App setting without a name."),
            setting => setting["value"]?.ToString() ?? "",
            StringComparer.OrdinalIgnoreCase);
    }

    [GeneratedRegex(@"^\[variables\('(?<name>\w+)'\)(\.(?<member>\w+))?\]$")]
    private static partial Regex VariableReference();
}

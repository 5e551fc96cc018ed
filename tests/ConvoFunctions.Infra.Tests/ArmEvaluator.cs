using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ConvoFunctions.Infra.Tests;

/// <summary>
/// Evaluates the small part of the ARM expression language a compiled main.bicep uses in its app settings
/// (<c>parameters</c>, <c>variables</c>, <c>format</c>, <c>if</c>, <c>reference(...).outputs.x.value</c>, ...), so a test
/// can see the values a deployment gives the app. Anything it does not know fails loudly rather than guessing.
/// </summary>
internal sealed class ArmEvaluator(
    Func<string, JsonNode?> parameters,
    Func<string, JsonNode?> variables,
    Func<string, JsonObject>? moduleOutputs = null)
{
    /// <summary>A literal is returned as is; a string in brackets is an expression.</summary>
    public JsonNode? Evaluate(JsonNode? node)
    {
        if (node is JsonValue value && value.TryGetValue<string>(out var text) && text.StartsWith('[') && !text.StartsWith("[[", StringComparison.Ordinal))
        {
            var parser = new Parser(text[1..^1], this);
            var result = parser.Expression();
            parser.End();
            return result;
        }
        // As ARM does, expressions inside an object or array literal (a variable of objects) are evaluated too.
        return node switch
        {
            JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Evaluate(pair.Value)))),
            JsonArray array => new JsonArray(array.Select(Evaluate).ToArray()),
            _ => node?.DeepClone(),
        };
    }

    private JsonNode? Call(string name, IReadOnlyList<JsonNode?> args) => name.ToLowerInvariant() switch
    {
        "parameters" => Evaluate(parameters(Str(args[0]))),
        "variables" => Evaluate(variables(Str(args[0]))),
        "format" => string.Format(CultureInfo.InvariantCulture, Str(args[0]), args.Skip(1).Select(a => (object?)Text(a)).ToArray()),
        "concat" => string.Concat(args.Select(Text)),
        "if" => Bool(args[0]) ? args[1]?.DeepClone() : args[2]?.DeepClone(),
        "not" => !Bool(args[0]),
        "equals" => JsonNode.DeepEquals(args[0], args[1]),
        "empty" => args[0] switch
        {
            null => true,
            JsonObject o => o.Count == 0,
            JsonArray a => a.Count == 0,
            var v => Text(v).Length == 0,
        },
        "tolower" => Str(args[0]).ToLowerInvariant(),
        "split" => new JsonArray(Str(args[0]).Split(Str(args[1])).Select(part => (JsonNode?)part).ToArray()),
        "startswith" => Str(args[0]).StartsWith(Str(args[1]), StringComparison.OrdinalIgnoreCase),
        "substring" => args.Count > 2 ? Str(args[0]).Substring(Int(args[1]), Int(args[2])) : Str(args[0])[Int(args[1])..],
        "int" => args[0] is JsonValue v && v.TryGetValue<string>(out var digits) ? int.Parse(digits, CultureInfo.InvariantCulture) : Int(args[0]),
        "mul" => Int(args[0]) * Int(args[1]),
        "greaterorequals" => Int(args[0]) >= Int(args[1]),
        "greater" => Int(args[0]) > Int(args[1]),
        "createarray" => new JsonArray(args.Select(a => a?.DeepClone()).ToArray()),
        "string" => Text(args[0]),
        "true" => true,
        "null" => null,
        "createobject" => CreateObject(args),
        "uniquestring" => "token0000000001",
        "resourcegroup" => new JsonObject { ["id"] = "/subscriptions/0/resourceGroups/rg-test", ["name"] = "rg-test", ["location"] = "swedencentral" },
        "resourceid" => string.Join('/', args.Select(Text)),
        "reference" => Str(args[0]) is var id && id.StartsWith("Microsoft.Resources/deployments/", StringComparison.Ordinal) && moduleOutputs is not null
            ? new JsonObject { ["outputs"] = moduleOutputs(id["Microsoft.Resources/deployments/".Length..]) }
            : throw new NotSupportedException($"reference({id}) is not a module deployment."),
        _ => throw new NotSupportedException($"ARM function {name}() is not known to the test's evaluator."),
    };

    private static JsonObject CreateObject(IReadOnlyList<JsonNode?> args)
    {
        var result = new JsonObject();
        for (var i = 0; i < args.Count; i += 2) result[Str(args[i])] = args[i + 1]?.DeepClone();
        return result;
    }

    private static string Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"Expected a string, got {node?.ToJsonString()}.");

    private static int Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var i) ? i
        : node is JsonValue d && d.TryGetValue<double>(out var x) && x == Math.Floor(x) ? (int)x
        : throw new FormatException($"Expected an int, got {node?.ToJsonString()}.");

    private static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw new FormatException($"Expected a bool, got {node?.ToJsonString()}.");

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "True" : "False",
        JsonValue v when v.TryGetValue<int>(out var i) => i.ToString(CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    private sealed class Parser(string text, ArmEvaluator evaluator)
    {
        private int _at;

        // Inside the branch an if() does not take: parsed, not evaluated (ARM evaluates only the branch it takes).
        private int _skipping;

        public JsonNode? Expression()
        {
            var value = Primary();
            while (true)
            {
                Skip();
                if (Peek('.'))
                {
                    _at++;
                    var member = Identifier();
                    value = _skipping > 0 ? null : value is JsonObject o ? o[member] : throw new FormatException($"No member {member} on {value?.ToJsonString()}.");
                }
                else if (Peek('['))
                {
                    _at++;
                    var index = Expression();
                    Expect(']');
                    value = _skipping > 0 ? null : value switch
                    {
                        JsonArray a => a[Int(index)],
                        JsonObject o => o[Str(index)],
                        _ => throw new FormatException("Index on a scalar."),
                    };
                }
                else
                {
                    return value;
                }
            }
        }

        private JsonNode? Skipped()
        {
            _skipping++;
            Expression();
            _skipping--;
            return null;
        }

        public void End()
        {
            Skip();
            if (_at != text.Length) throw new FormatException($"Unparsed: {text[_at..]}");
        }

        private JsonNode? Primary()
        {
            Skip();
            if (Peek('\''))
            {
                var sb = new StringBuilder();
                _at++;
                while (true)
                {
                    if (text[_at] == '\'')
                    {
                        if (_at + 1 < text.Length && text[_at + 1] == '\'') { sb.Append('\''); _at += 2; continue; }
                        _at++;
                        return sb.ToString();
                    }
                    sb.Append(text[_at++]);
                }
            }
            if (char.IsAsciiDigit(text[_at]) || text[_at] == '-')
            {
                var start = _at++;
                while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
                return JsonValue.Create(int.Parse(text[start.._at], CultureInfo.InvariantCulture));
            }
            var name = Identifier();
            if (name == "true") return true;
            if (name == "false") return false;
            if (name == "null") return null;
            Expect('(');
            if (name.Equals("if", StringComparison.OrdinalIgnoreCase) && _skipping == 0)
            {
                var condition = Bool(Expression());
                Expect(',');
                var whenTrue = condition ? Expression() : Skipped();
                Expect(',');
                var whenFalse = condition ? Skipped() : Expression();
                Expect(')');
                return condition ? whenTrue : whenFalse;
            }
            var args = new List<JsonNode?>();
            Skip();
            if (!Peek(')'))
            {
                do { args.Add(Expression()); Skip(); } while (TryConsume(','));
            }
            Expect(')');
            return _skipping > 0 ? null : evaluator.Call(name, args);
        }

        private string Identifier()
        {
            Skip();
            var start = _at;
            while (_at < text.Length && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] == '_')) _at++;
            return _at > start ? text[start.._at] : throw new FormatException($"Expected a name at {_at}: {text}");
        }

        private void Skip() { while (_at < text.Length && text[_at] == ' ') _at++; }

        private bool Peek(char c) => _at < text.Length && text[_at] == c;

        private bool TryConsume(char c)
        {
            Skip();
            if (!Peek(c)) return false;
            _at++;
            return true;
        }

        private void Expect(char c)
        {
            if (!TryConsume(c)) throw new FormatException($"Expected '{c}' at {_at}: {text}");
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoFunctions.Configuration;
using ConvoFunctions.ElevenLabs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Initiation;

/// <summary>
/// The initiation route's settings, checked once. Each part that is misconfigured turns itself off with one log
/// line and never stops the app: no usable secret closes the route (404), a bad upstream ends proxy mode, bad
/// defaults answer <c>{}</c>.
/// </summary>
internal sealed partial class InitiationSettings
{
    public const string SecretHeader = "X-Initiation-Secret";
    public const string AnswerType = "conversation_initiation_client_data";

    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(30);

    // Hashing both sides first gives equal-length inputs, so the constant-time compare leaks not even the length.
    private readonly byte[][] _secretHashes;

    public InitiationSettings(IOptions<ElevenLabsOptions> elevenLabs, IOptions<InitiationOptions> options, ILogger<InitiationSettings> logger)
    {
        var o = options.Value;
        var el = elevenLabs.Value;

        _secretHashes = new[] { el.InitiationSecret, el.PreviousInitiationSecret }
            .Select(KeyVaultReference.Usable).OfType<string>()
            .Select(s => SHA256.HashData(Encoding.UTF8.GetBytes(s))).ToArray();
        if (KeyVaultReference.IsUnresolved(el.InitiationSecret))
        {
            LogOff(logger, SettingNames.ElevenLabsInitiationSecret, "is an unresolved Key Vault reference",
                _secretHashes.Length == 0 ? "the initiation route answers 404" : "only the previous secret is accepted");
        }

        Timeout = o.UpstreamTimeout;
        if (Timeout < MinTimeout || Timeout > MaxTimeout)
        {
            Timeout = InitiationOptions.DefaultUpstreamTimeout;
            LogOff(logger, SettingNames.InitiationUpstreamTimeout, $"is not a time span between {MinTimeout} and {MaxTimeout}", $"using {Timeout}");
        }

        if (!string.IsNullOrWhiteSpace(o.UpstreamUrl))
        {
            var headers = ParseHeaders(o.UpstreamHeaders, out var headersProblem);
            if (!Uri.TryCreate(o.UpstreamUrl.Trim(), UriKind.Absolute, out var upstream) || upstream.Scheme is not ("https" or "http"))
            {
                // The URL itself is not logged: it may carry a function key.
                LogOff(logger, SettingNames.InitiationUpstreamUrl, "is not an absolute http(s) URL", "proxy mode is off, the defaults are answered");
            }
            else if (headers is null)
            {
                LogOff(logger, SettingNames.InitiationUpstreamHeaders, headersProblem!, "proxy mode is off, the defaults are answered");
            }
            else
            {
                Upstream = upstream;
                UpstreamHeaders = headers;
            }
        }

        DefaultAnswer = Answer(o.DefaultDynamicVariables, out var defaultsProblem);
        if (defaultsProblem is not null) LogOff(logger, SettingNames.InitiationDefaultDynamicVariables, defaultsProblem, "answering {} instead");
    }

    /// <summary>False when no secret is configured: the route then does not exist (404).</summary>
    public bool Enabled => _secretHashes.Length > 0;

    public Uri? Upstream { get; }

    public IReadOnlyList<KeyValuePair<string, string>> UpstreamHeaders { get; } = [];

    public TimeSpan Timeout { get; }

    /// <summary>The answer without an upstream: <c>{"type": …, "dynamic_variables": {…}}</c>.</summary>
    public string DefaultAnswer { get; }

    /// <summary>True when the header equals the current or the previous secret, compared in constant time.</summary>
    public bool SecretMatches(string? header)
    {
        if (string.IsNullOrEmpty(header)) return false;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(header), hash);
        var match = false;
        foreach (var secret in _secretHashes) match |= CryptographicOperations.FixedTimeEquals(hash, secret);
        return match;
    }

    private static string Answer(string? dynamicVariables, out string? problem)
    {
        problem = null;
        JsonObject variables;
        try
        {
            variables = JsonNode.Parse(string.IsNullOrWhiteSpace(dynamicVariables) ? "{}" : dynamicVariables) as JsonObject
                ?? throw new JsonException();
        }
        catch (JsonException)
        {
            problem = "is not a JSON object";
            variables = [];
        }
        return new JsonObject { ["type"] = AnswerType, ["dynamic_variables"] = variables }.ToJsonString();
    }

    private static List<KeyValuePair<string, string>>? ParseHeaders(string? json, out string? problem)
    {
        problem = null;
        var headers = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrWhiteSpace(json)) return headers;
        if (KeyVaultReference.IsUnresolved(json))
        {
            problem = "is an unresolved Key Vault reference";
            return null;
        }
        try
        {
            if (JsonNode.Parse(json) is not JsonObject map) throw new JsonException();
            foreach (var (name, value) in map)
            {
                if (value is not JsonValue text || !text.TryGetValue<string>(out var s)) throw new JsonException();
                headers.Add(new(name, s));
            }
            return headers;
        }
        catch (JsonException)
        {
            // Never echo the value: it holds the upstream's credentials.
            problem = "is not a JSON object of header names and string values";
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Initiation setting {setting} {problem}: {consequence}")]
    private static partial void LogOff(ILogger logger, string setting, string problem, string consequence);
}

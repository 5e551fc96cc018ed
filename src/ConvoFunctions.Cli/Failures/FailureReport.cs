using System.Net.Http;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Azure;
using Azure.Identity;
using ConvoFunctions.Alerts;
using ConvoFunctions.Configuration;
using ConvoFunctions.Detection;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Webhooks;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Cli.Failures;

/// <summary>What a failed verb tells the user: one or two lines in their terms, and the exit code.</summary>
internal sealed record Failure(string Message, int ExitCode)
{
    public bool IsBug => ExitCode == ExitCodes.Bug;
}

/// <summary>
/// Turns the exceptions of the failures a user can cause or fix into a <see cref="Failure"/>; anything else is a bug.
/// Applied once, by <see cref="ConvoCommand.RunAsync"/>, to every verb, so verbs throw and never catch to report.
/// </summary>
internal static partial class FailureReport
{
    public const string VerboseEnvironmentVariable = "CONVO_VERBOSE";

    public static Failure Describe(Exception exception, string verb)
    {
        var failure = Classify(exception, verb);
        return failure with { Message = Redact(ColonForm().Replace(failure.Message, "$1__$2")) };
    }

    /// <summary>Belt and braces: a credential that slipped into a message from a library is masked.</summary>
    public static string Redact(string text) => Credential().Replace(text, "$1=***");

    private static Failure Classify(Exception exception, string verb) => exception switch
    {
        // Azure SDK retries and the host's start wrap the real cause; the first one known speaks for the rest.
        AggregateException aggregate => aggregate.Flatten().InnerExceptions
            .Select(inner => Classify(inner, verb)).FirstOrDefault(f => !f.IsBug) ?? Unexpected(exception),
        TaskCanceledException { InnerException: TimeoutException timeout } =>
            new($"No answer in time: {timeout.Message} {Hint(verb)}", ExitCodes.Failure),
        // Only Ctrl+C (or SIGTERM) cancels a verb's token; a timeout is the case above.
        OperationCanceledException => new(ConvoCommand.Interrupted, ExitCodes.Interrupted),
        SettingException => new(exception.Message, ExitCodes.Usage),
        OptionsValidationException invalid => new(
            $"Invalid setting: {string.Join(" ", invalid.Failures.Select(Setting))} Fix it in local.settings.json or the environment.", ExitCodes.Usage),
        // Configuration binding quotes the value, which may be a secret put in the wrong place: only the key is kept.
        InvalidOperationException when ConversionFailure().Match(exception.Message) is { Success: true } m => new(
            $"Invalid setting: {SettingNames.ToEnvironmentForm(m.Groups["key"].Value)} is not a valid {m.Groups["type"].Value.Replace("System.", "", StringComparison.Ordinal)}. " +
            "Fix it in local.settings.json or the environment.", ExitCodes.Usage),
        FileNotFoundException { FileName: { } file } => new($"File not found: {file}", ExitCodes.Usage),
        FileNotFoundException or DirectoryNotFoundException => new(exception.Message, ExitCodes.Usage),
        UnauthorizedAccessException => new($"Cannot read the file: {exception.Message}", ExitCodes.Usage),
        IOException when Find<AddressInUseException>(exception) is not null => PortInUse(exception),
        ElevenLabsApiException => new($"{exception.Message}.", ExitCodes.Failure),
        RequestFailedException storage => Storage(storage),
        AuthenticationFailedException or CredentialUnavailableException => new(
            $"No Azure sign-in for the identity-based {SettingNames.Storage}: run 'az login', or give a connection string.", ExitCodes.Failure),
        HttpRequestException http => Unreachable(http, verb),
        // convo's own waits (Azurite start, the load harnesses) say what they waited for.
        TimeoutException => new(exception.Message, ExitCodes.Failure),
        // The resilience pipeline's own rejections (open circuit, total timeout) are the API being unavailable.
        Polly.ExecutionRejectedException => new($"The ElevenLabs API is not answering: {exception.Message} {Hint(verb)}", ExitCodes.Failure),
        _ => Unexpected(exception),
    };

    private static Failure Unexpected(Exception exception) => new(
        $"Unexpected error ({exception.GetType().FullName}): this is a bug in convo. Run the same command with --verbose " +
        $"(or {VerboseEnvironmentVariable}=1) to see the details, and report them.",
        ExitCodes.Bug);

    private static Failure PortInUse(Exception exception)
    {
        var port = BoundPort().Match(exception.Message) is { Success: true } m ? m.Groups[1].Value : "the port";
        return new($"Port {port} on 127.0.0.1 is already in use (another 'convo serve', or 'func start'?). " +
            "Stop that program, or pass --port with a free port.", ExitCodes.Failure);
    }

    private static Failure Storage(RequestFailedException exception)
    {
        var where = $"Check {SettingNames.Storage} (or --storage)";
        return exception.Status switch
        {
            // No HTTP answer at all: the inner exception says why, with host and port.
            0 => new($"Storage is not reachable: {(Find<HttpRequestException>(exception) ?? (Exception)exception).Message.TrimEnd('.')}. " +
                $"{where}, and that the account or Azurite is running.", ExitCodes.Failure),
            401 or 403 => new($"Storage refused the credentials ({exception.ErrorCode ?? exception.Status.ToString()}). " +
                $"{where}: its AccountName and AccountKey, or the identity's Storage data roles.", ExitCodes.Failure),
            // The SDK's message carries the response body and headers; the status and error code are enough.
            _ => new($"Storage answered {exception.Status} ({exception.ErrorCode ?? "no error code"}). {where}.", ExitCodes.Failure),
        };
    }

    private static Failure Unreachable(HttpRequestException exception, string verb)
    {
        if (exception.HttpRequestError is not (HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError))
        {
            return new($"The HTTP request failed: {exception.Message} {Hint(verb)}", ExitCodes.Failure);
        }
        var target = Endpoint().Match(exception.Message) is { Success: true } m ? m.Groups[1].Value : "the server";
        var reason = Find<SocketException>(exception)?.Message ?? exception.HttpRequestError.ToString();
        return new($"Cannot connect to {target}: {reason.TrimEnd('.')}. {Hint(verb)}", ExitCodes.Failure);
    }

    /// <summary>What to do when the other side does not answer, in the terms of the verb that called it.</summary>
    private static string Hint(string verb) => verb switch
    {
        "send" => "Is 'convo serve' running? Start it in another terminal, or pass --url.",
        "audit" or "explain" => $"Check --base-url or {SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsBaseUrl)}, and the network.",
        _ => "Check the address and that the service is running.",
    };

    /// <summary>
    /// "DataAnnotation validation failed for 'WebhookOptions' members: 'MaxBodyBytes' with the error: '…'." becomes
    /// "Webhooks__MaxBodyBytes: …": the name the user sets.
    /// </summary>
    private static string Setting(string failure)
    {
        if (DataAnnotationFailure().Match(failure) is not { Success: true } m) return failure;
        var error = m.Groups["error"].Value;
        if (!Sections.TryGetValue(m.Groups["type"].Value, out var section) || error.Contains(section + ":", StringComparison.Ordinal))
        {
            return EndSentence(error);
        }
        var members = m.Groups["members"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return $"{string.Join(", ", members.Select(member => $"{section}__{member}"))}: {EndSentence(error)}";
    }

    private static string EndSentence(string text) => text.EndsWith('.') ? text : text + ".";

    private static readonly Dictionary<string, string> Sections = new(StringComparer.Ordinal)
    {
        [nameof(ElevenLabsOptions)] = SettingNames.ElevenLabsSection,
        [nameof(WebhookOptions)] = SettingNames.WebhooksSection,
        [nameof(DetectionOptions)] = SettingNames.DetectionSection,
        [nameof(AlertOptions)] = SettingNames.AlertsSection,
    };

    private static T? Find<T>(Exception exception) where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found) return found;
        }
        return null;
    }

    [GeneratedRegex(@"https?://[^\s/]+:(\d+)")]
    private static partial Regex BoundPort();

    [GeneratedRegex(@"\(([^()\s]+:\d+)\)")]
    private static partial Regex Endpoint();

    [GeneratedRegex(@"^DataAnnotation validation failed for '(?<type>[^']+)' members: '(?<members>[^']*)' with the error: '(?<error>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();

    [GeneratedRegex(@"^Failed to convert configuration value .* at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex ConversionFailure();

    /// <summary>A setting written as its configuration key (<c>Detection:Schedule</c>), to be shown as users set it.</summary>
    [GeneratedRegex(@"\b(ElevenLabs|Webhooks|Detection|Alerts|Initiation|Retention|Twilio):(\w+)")]
    private static partial Regex ColonForm();

    // A placeholder such as AccountKey=<key> is left alone.
    [GeneratedRegex(@"(?i)\b(AccountKey|SharedAccessSignature|sig|xi-api-key|code)=(?![<*])[^;&\s'""]+")]
    private static partial Regex Credential();
}

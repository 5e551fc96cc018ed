using System.CommandLine;
using System.Net.Http.Headers;
using ConvoFunctions.App;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Initiation;
using ConvoFunctions.Webhooks;

namespace ConvoFunctions.Cli;

internal static class SendCommand
{
    private const string LocalBase = "http://127.0.0.1:7071/" + Routes.Prefix + "/";

    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "Webhook body (JSON) to sign and post." };
        var url = UriOption.Create("--url", $"Endpoint to post to (default {LocalBase}{Routes.ElevenLabsWebhook}, with --initiation {LocalBase}{Routes.ElevenLabsInitiation}).");
        var secret = new Option<string?>("--secret")
        {
            Description = $"HMAC secret; defaults to {SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsWebhookSecret)} from the environment or local.settings.json, else the local development secret. With --initiation: the shared secret, defaulting to {SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsInitiationSecret)} the same way.",
        };
        var timestamp = new Option<long?>("--timestamp")
        {
            Description = "Unix seconds to sign with (default: now); use it to test the tolerance.",
        };
        var initiation = new Option<bool>("--initiation")
        {
            Description = $"Send the file as a conversation-initiation request, with the {InitiationSettings.SecretHeader} header instead of a signature.",
        };

        var command = new Command("send", "Sign a webhook body as ElevenLabs does and post it.") { file, url, secret, timestamp, initiation };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(file)!, result.GetValue(url), result.GetValue(secret), result.GetValue(timestamp), result.GetValue(initiation), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo file, Uri? url, string? secret, long? timestamp, bool initiation, CancellationToken cancellationToken)
    {
        var settings = LocalConfiguration.Build(LocalConfiguration.DefaultSettingsFile);
        secret ??= settings[initiation ? SettingNames.ElevenLabsInitiationSecret : SettingNames.ElevenLabsWebhookSecret]!;
        url ??= new Uri(LocalBase + (initiation ? Routes.ElevenLabsInitiation : Routes.ElevenLabsWebhook));
        var body = await File.ReadAllBytesAsync(file.FullName, cancellationToken);

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (initiation)
        {
            request.Headers.TryAddWithoutValidation(InitiationSettings.SecretHeader, secret);
        }
        else
        {
            var signedAt = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            request.Headers.TryAddWithoutValidation(SignatureHeader.Name, WebhookSigner.Sign(body, secret, signedAt));
        }

        using var response = await http.SendAsync(request, cancellationToken);
        Console.WriteLine($"{(int)response.StatusCode} {response.ReasonPhrase}");
        Console.WriteLine(await response.Content.ReadAsStringAsync(cancellationToken));
        return response.IsSuccessStatusCode ? 0 : 1;
    }
}

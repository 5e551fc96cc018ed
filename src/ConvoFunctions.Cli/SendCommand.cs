using System.CommandLine;
using System.Net.Http.Headers;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Configuration;
using ConvoFunctions.Webhooks;

namespace ConvoFunctions.Cli;

internal static class SendCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "Webhook body (JSON) to sign and post." };
        var url = UriOption.Create("--url", "Endpoint to post to.", new Uri("http://127.0.0.1:7071/api/webhooks/elevenlabs"));
        var secret = new Option<string?>("--secret")
        {
            Description = $"HMAC secret; defaults to {SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsWebhookSecret)} from the environment or local.settings.json, else the local development secret.",
        };
        var timestamp = new Option<long?>("--timestamp")
        {
            Description = "Unix seconds to sign with (default: now); use it to test the tolerance.",
        };

        var command = new Command("send", "Sign a webhook body as ElevenLabs does and post it.") { file, url, secret, timestamp };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(file)!, result.GetValue(url)!, result.GetValue(secret), result.GetValue(timestamp), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo file, Uri url, string? secret, long? timestamp, CancellationToken cancellationToken)
    {
        secret ??= LocalConfiguration.Build(LocalConfiguration.DefaultSettingsFile)[SettingNames.ElevenLabsWebhookSecret]!;
        var body = await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        var signedAt = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.TryAddWithoutValidation(SignatureHeader.Name, WebhookSigner.Sign(body, secret, signedAt));

        using var response = await http.SendAsync(request, cancellationToken);
        Console.WriteLine($"{(int)response.StatusCode} {response.ReasonPhrase}");
        Console.WriteLine(await response.Content.ReadAsStringAsync(cancellationToken));
        return response.IsSuccessStatusCode ? 0 : 1;
    }
}

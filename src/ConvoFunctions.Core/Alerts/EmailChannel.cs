using System.Net.Http.Headers;
using System.Text.Json;
using Azure.Core;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Alerts;

/// <summary>The credential the email channel asks for an Entra ID token (the managed identity in Azure).</summary>
internal sealed class AcsCredential(TokenCredential credential)
{
    public const string Scope = "https://communication.azure.com//.default";

    public TokenCredential Credential { get; } = credential;
}

/// <summary>
/// Sends the alert through Azure Communication Services' REST API (<c>POST {endpoint}/emails:send</c>), authenticated
/// with an Entra ID token, or with the access key's HMAC signature when <c>Alerts:Email:AccessKey</c> is set.
/// </summary>
internal sealed class EmailChannel(HttpClient http, IOptions<AlertOptions> options, AcsCredential credential, TimeProvider time) : IAlertChannel
{
    public const string ChannelName = "email";
    public const string ApiVersion = "2023-03-31";

    public string Name => ChannelName;

    public bool IsEnabled => options.Value.Email.IsEnabled;

    public async Task SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        var settings = options.Value.Email;
        if (!settings.IsEnabled) throw new AlertChannelException("Email is not configured.");

        var content = EmailBody.For(alert);
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            senderAddress = settings.Sender,
            recipients = new { to = settings.RecipientList.Select(address => new { address }).ToArray() },
            content = new { subject = content.Subject, plainText = content.PlainText, html = content.Html },
        });

        var endpoint = settings.EndpointUri!.ToString().TrimEnd('/');
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{endpoint}/emails:send?api-version={ApiVersion}"))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        try
        {
            if (!string.IsNullOrWhiteSpace(settings.AccessKey))
            {
                AcsHmac.Sign(request, body, settings.AccessKey, time.GetUtcNow());
            }
            else
            {
                var token = await credential.Credential.GetTokenAsync(new TokenRequestContext([AcsCredential.Scope]), cancellationToken);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
            }
        }
        catch (FormatException)
        {
            throw new AlertChannelException($"{Configuration.SettingNames.AlertsEmailAccessKey} is not valid base64.");
        }
        catch (Azure.Identity.AuthenticationFailedException ex)
        {
            throw new AlertChannelException($"No Entra ID token for Azure Communication Services ({ex.GetType().Name}).");
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            // ACS queues the message and answers 202 with an Operation-Location to poll.
            if (!response.IsSuccessStatusCode)
                throw new AlertChannelException($"Azure Communication Services answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        catch (HttpRequestException ex)
        {
            throw new AlertChannelException($"Azure Communication Services could not be reached ({ex.HttpRequestError}).");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AlertChannelException("Azure Communication Services timed out.");
        }
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
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

    public Task SendAsync(Alert alert, CancellationToken cancellationToken) => SubmitAsync(alert, cancellationToken);

    /// <summary>Submits the email; ACS accepted it for delivery when this returns. Throws when it was not accepted.</summary>
    public async Task<EmailOperation> SubmitAsync(Alert alert, CancellationToken cancellationToken)
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

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{Endpoint}/emails:send?api-version={ApiVersion}"))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        // The operation's id is the alert's: a resend of one alert generation is one traceable operation in ACS.
        request.Headers.Add("Operation-Id", OperationId(alert).ToString());
        // ACS queues the message and answers 202 with the operation's id (and an Operation-Location to poll).
        using var response = await SendAsync(request, body, cancellationToken);
        var result = await ReadResultAsync(response, cancellationToken);
        // The id is in the body; Operation-Location (…/emails/operations/{id}?api-version=…) names it too.
        var id = result?.Id ?? (response.Headers.TryGetValues("Operation-Location", out var locations)
            && Uri.TryCreate(locations.FirstOrDefault(), UriKind.Absolute, out var location) ? location.Segments[^1] : "");
        return new EmailOperation(id, result?.Status ?? "Running", null);
    }

    /// <summary>
    /// Polls <c>GET {endpoint}/emails/operations/{id}</c> until a final status (<c>Succeeded</c>, <c>Failed</c>,
    /// <c>Canceled</c>) or <paramref name="timeout"/>, waiting as <c>Retry-After</c> asks.
    /// </summary>
    /// <summary>A GUID derived from the alert's key and generation (the first 16 bytes of their SHA-256).</summary>
    public static Guid OperationId(Alert alert) =>
        new(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(alert.Key + "/" + alert.Generation)).AsSpan(0, 16));

    public async Task<EmailOperation> WaitAsync(EmailOperation operation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (operation.Id.Length == 0 || operation.IsFinal) return operation;
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get,
                new Uri($"{Endpoint}/emails/operations/{Uri.EscapeDataString(operation.Id)}?api-version={ApiVersion}"));
            using var response = await SendAsync(request, [], cancellationToken);
            var result = await ReadResultAsync(response, cancellationToken);
            operation = new EmailOperation(operation.Id, result?.Status ?? operation.Status,
                result?.Error is { } e ? $"{e.Code}: {e.Message}" : null);
            if (operation.IsFinal) return operation;
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            if (time.GetUtcNow() + wait > deadline) return operation;
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    private string Endpoint => options.Value.Email.EndpointUri!.ToString().TrimEnd('/');

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, byte[] body, CancellationToken cancellationToken)
    {
        var settings = options.Value.Email;
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

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new AlertChannelException($"Azure Communication Services could not be reached ({ex.HttpRequestError}).");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AlertChannelException("Azure Communication Services timed out.");
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw new AlertChannelException($"Azure Communication Services answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
        }
        return response;
    }

    private static async Task<EmailSendResult?> ReadResultAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<EmailSendResult>(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // ACS has accepted the email by now: an unreadable or broken answer must not count as a failed send,
            // or the next sweep would send it again.
            return null;
        }
    }

    /// <summary>ACS' <c>EmailSendResult</c>: the answer of the send and of each poll.</summary>
    private sealed record EmailSendResult(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("status")] string? Status,
        [property: JsonPropertyName("error")] EmailSendError? Error);

    private sealed record EmailSendError(
        [property: JsonPropertyName("code")] string? Code,
        [property: JsonPropertyName("message")] string? Message);
}

/// <summary>An ACS email send operation and its last known status (<c>NotStarted</c>, <c>Running</c>, <c>Succeeded</c>, <c>Failed</c>, <c>Canceled</c>).</summary>
internal sealed record EmailOperation(string Id, string Status, string? Error)
{
    public bool IsFinal => Status is "Succeeded" or "Failed" or "Canceled";

    public bool Succeeded => Status == "Succeeded";
}

using System.Net;
using System.Text.Json;
using ConvoFunctions.Configuration;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Telephony;

/// <summary>
/// A non-success answer from Twilio that the resilience pipeline did not (or could no longer) retry. The message names
/// the status, Twilio's error code and the resource; never a header, so never the API key or its secret.
/// </summary>
internal sealed class TwilioApiException(HttpStatusCode statusCode, int? errorCode, string resource)
    : HttpRequestException(
        $"Twilio API answered {(int)statusCode} {statusCode}{(errorCode is null ? "" : $" (error {errorCode})")} for {resource}"
        + (statusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? $"; check {SettingNames.ToEnvironmentForm(SettingNames.TwilioAccountSid)}, {SettingNames.ToEnvironmentForm(SettingNames.TwilioApiKeySid)} and {SettingNames.ToEnvironmentForm(SettingNames.TwilioApiKeySecret)}"
            : ""),
        inner: null,
        statusCode)
{
    /// <summary>Twilio's <c>code</c>, e.g. 20003 (authentication) or 20429 (too many requests).</summary>
    public int? ErrorCode { get; } = errorCode;
}

/// <summary>Bounds concurrent Twilio requests of this process to <c>Twilio:MaxConcurrency</c>; retries wait inside it.</summary>
internal sealed class TwilioConcurrencyGate(IOptions<TwilioOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(options.Value.Concurrency, options.Value.Concurrency);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken);
        try
        {
            return await call(cancellationToken);
        }
        finally
        {
            _semaphore.Release();
        }
    }

    public void Dispose() => _semaphore.Dispose();
}

/// <summary>
/// Typed client for the Twilio REST API (2010-04-01), read only: a call, its child legs, its request log (Events), its
/// notifications and a number's configuration. Base address <c>Twilio:BaseUrl</c>, Basic auth with the API key, the
/// standard resilience handler (429, error 20429, is retried with backoff), at most <c>Twilio:MaxConcurrency</c>
/// requests at once. Not the official SDK: it builds every URL on <c>https://{domain}.twilio.com</c> and so cannot be
/// pointed at <c>Twilio:BaseUrl</c>, which the tests and the demo need.
/// </summary>
internal sealed class TwilioClient(HttpClient http, TwilioConcurrencyGate gate, IOptions<TwilioOptions> options)
{
    /// <summary>A call's Events hold one item per request; more pages than this are not read.</summary>
    private const int MaxPages = 10;

    private string Account => "2010-04-01/Accounts/" + Uri.EscapeDataString(options.Value.AccountSid?.Trim() ?? "");

    /// <summary>The call; null when Twilio has no such call in the account (404).</summary>
    public async Task<TwilioCall?> GetCallAsync(string callSid, CancellationToken cancellationToken)
    {
        using var document = await GetAsync($"Calls/{Uri.EscapeDataString(callSid)}.json", notFoundIsNull: true, cancellationToken);
        return document is null ? null : TwilioCall.Read(document.RootElement);
    }

    /// <summary>The legs a call's TwiML created (<c>Calls.json?ParentCallSid=</c>).</summary>
    public Task<IReadOnlyList<TwilioCall>> ListChildCallsAsync(string parentCallSid, CancellationToken cancellationToken) =>
        ListAsync($"Calls.json?ParentCallSid={Uri.EscapeDataString(parentCallSid)}&PageSize=50", "calls",
            item => TwilioCall.Read(item), cancellationToken);

    /// <summary>Every HTTP request Twilio made for the call, oldest first as Twilio lists them.</summary>
    public Task<IReadOnlyList<TwilioRequest>> ListEventsAsync(string callSid, CancellationToken cancellationToken) =>
        ListAsync($"Calls/{Uri.EscapeDataString(callSid)}/Events.json?PageSize=100", "events", TwilioRequest.Read, cancellationToken);

    public Task<IReadOnlyList<TwilioNotification>> ListNotificationsAsync(string callSid, CancellationToken cancellationToken) =>
        ListAsync($"Calls/{Uri.EscapeDataString(callSid)}/Notifications.json?PageSize=50", "notifications",
            item => (TwilioNotification?)TwilioNotification.Read(item), cancellationToken);

    /// <summary>The account's number in E.164 with its configuration today; null when the account has no such number.</summary>
    public async Task<TwilioNumber?> FindNumberAsync(string phoneNumber, CancellationToken cancellationToken) =>
        (await ListAsync($"IncomingPhoneNumbers.json?PhoneNumber={Uri.EscapeDataString(phoneNumber)}", "incoming_phone_numbers",
            TwilioNumber.Read, cancellationToken)).FirstOrDefault();

    private async Task<IReadOnlyList<T>> ListAsync<T>(string resource, string listName, Func<JsonElement, T?> read, CancellationToken cancellationToken)
        where T : class
    {
        var items = new List<T>();
        string? next = null;
        for (var page = 0; page < MaxPages; page++)
        {
            using var document = next is null
                ? await GetAsync(resource, notFoundIsNull: false, cancellationToken)
                : await GetPathAsync(next, resource, notFoundIsNull: false, cancellationToken);
            var root = document!.RootElement;
            if (root.TryGetProperty(listName, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                items.AddRange(list.EnumerateArray().Select(read).OfType<T>());
            }
            next = TwilioJson.String(root, "next_page_uri");
            if (next is null) break;
        }
        return items;
    }

    private Task<JsonDocument?> GetAsync(string resource, bool notFoundIsNull, CancellationToken cancellationToken) =>
        GetPathAsync(Account + "/" + resource, resource, notFoundIsNull, cancellationToken);

    /// <param name="path">Relative to the base URL; Twilio's <c>next_page_uri</c> is relative to its API host, so it is too.</param>
    /// <param name="resource">What the message of a failure names: the resource without the account or the query.</param>
    private Task<JsonDocument?> GetPathAsync(string path, string resource, bool notFoundIsNull, CancellationToken cancellationToken) =>
        gate.RunAsync(async ct =>
        {
            using var response = await http.GetAsync(path.TrimStart('/'), HttpCompletionOption.ResponseHeadersRead, ct);
            if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode) throw new TwilioApiException(response.StatusCode, await ErrorCodeAsync(response, ct), resource.Split('?', 2)[0]);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            return (JsonDocument?)await JsonDocument.ParseAsync(stream, cancellationToken: ct);
        }, cancellationToken);

    /// <summary>Twilio errors look like <c>{"code":20003,"message":"Authenticate","more_info":"…","status":401}</c>.</summary>
    private static async Task<int?> ErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (text.Length is 0 or > 64 * 1024) return null;
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object ? TwilioJson.Int(document.RootElement, "code") : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ConvoFunctions.Cli.Local;

/// <summary>
/// The read side of Twilio's REST API (2010-04-01) that telephony evidence uses, served by the one loopback stand-in
/// (<see cref="ElevenLabsStandIn.Twilio"/>) under <c>/2010-04-01/</c>, in the shapes of Twilio's public OpenAPI spec
/// (twilio/twilio-oai, <c>spec/json/twilio_api_v2010.json</c>): a call, <c>Calls.json?ParentCallSid=</c>, a call's Events
/// and Notifications, and <c>IncomingPhoneNumbers.json?PhoneNumber=</c>, every list paged (<c>PageSize</c>, <c>Page</c>,
/// <c>next_page_uri</c>). Basic auth with <see cref="ApiKeySid"/> and <see cref="ApiKeySecret"/>; wrong credentials answer
/// 401 with error 20003, another account 404 with error 20404. <see cref="Script"/> answers the n-th request instead.
/// </summary>
internal sealed class TwilioStandIn
{
    public const string PathPrefix = "/2010-04-01";
    private readonly ConcurrentDictionary<string, JsonObject> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<JsonObject>> _events = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<JsonObject>> _notifications = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<JsonObject> _numbers = new();
    private Func<int, StandInAnswer?>? _script;
    private int _received;

    public string AccountSid { get; set; } = "AC" + new string('5', 32);

    public string ApiKeySid { get; set; } = "SK" + new string('7', 32);

    public string ApiKeySecret { get; set; } = "twilio_standin_secret_9f8e7d6c5b4a";

    /// <summary>The largest list page served, whatever <c>PageSize</c> asks.</summary>
    public int PageSize { get; set; } = 50;

    /// <summary>Requests received under <see cref="PathPrefix"/>.</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>Answers the n-th request (from 1) with the script's answer; null serves it as usual.</summary>
    public void Script(Func<int, StandInAnswer?> script) => _script = script;

    public static bool Handles(HttpRequest request) => request.Path.StartsWithSegments(PathPrefix, StringComparison.Ordinal);

    /// <summary>Adds or replaces a call resource (build one with <see cref="Call"/>).</summary>
    public void AddCall(JsonObject call) => _calls[(string)call["sid"]!] = call;

    /// <summary>Adds requests to a call's Events, in order (build them with <see cref="Request"/>).</summary>
    public void AddEvents(string callSid, params JsonObject[] events)
    {
        var queue = _events.GetOrAdd(callSid, _ => new ConcurrentQueue<JsonObject>());
        foreach (var e in events) queue.Enqueue(e);
    }

    public void AddNotification(string callSid, string errorCode, DateTimeOffset at, string requestUrl, bool error = true) =>
        _notifications.GetOrAdd(callSid, _ => new ConcurrentQueue<JsonObject>()).Enqueue(new JsonObject
        {
            ["account_sid"] = AccountSid,
            ["api_version"] = "2010-04-01",
            ["call_sid"] = callSid,
            ["date_created"] = Rfc2822(at),
            ["date_updated"] = Rfc2822(at),
            ["error_code"] = errorCode,
            ["log"] = error ? "0" : "1",
            ["message_date"] = Rfc2822(at),
            ["message_text"] = $"Msg=An attempt to retrieve content from {requestUrl} failed&ErrorCode={errorCode}&LogLevel=ERROR",
            ["more_info"] = $"https://www.twilio.com/docs/errors/{errorCode}",
            ["request_method"] = "POST",
            ["request_url"] = requestUrl,
            ["sid"] = "NO" + Guid.NewGuid().ToString("N"),
            ["uri"] = $"{PathPrefix}/Accounts/{AccountSid}/Calls/{callSid}/Notifications/NO0.json",
        });

    /// <summary>Adds a number of the account (build one with <see cref="Number"/>).</summary>
    public void AddNumber(JsonObject number) => _numbers.Enqueue(number);

    /// <summary>A call resource in the spec's shape.</summary>
    public JsonObject Call(string sid, string direction, string from, string to, DateTimeOffset start, DateTimeOffset? end,
        string? parentCallSid = null, string status = "completed", string? trunkSid = null) => new()
    {
        ["account_sid"] = AccountSid,
        ["answered_by"] = null,
        ["api_version"] = "2010-04-01",
        ["caller_name"] = null,
        ["date_created"] = Rfc2822(start),
        ["date_updated"] = Rfc2822(end ?? start),
        ["direction"] = direction,
        ["duration"] = end is { } e ? ((int)(e - start).TotalSeconds).ToString(CultureInfo.InvariantCulture) : null,
        ["end_time"] = end is { } ended ? Rfc2822(ended) : null,
        ["forwarded_from"] = null,
        ["from"] = from,
        ["from_formatted"] = from,
        ["group_sid"] = null,
        ["parent_call_sid"] = parentCallSid,
        ["phone_number_sid"] = direction == "inbound" ? "PN" + new string('1', 32) : null,
        ["price"] = null,
        ["price_unit"] = "USD",
        ["sid"] = sid,
        ["start_time"] = Rfc2822(start),
        ["status"] = status,
        ["subresource_uris"] = new JsonObject
        {
            ["notifications"] = $"{PathPrefix}/Accounts/{AccountSid}/Calls/{sid}/Notifications.json",
            ["events"] = $"{PathPrefix}/Accounts/{AccountSid}/Calls/{sid}/Events.json",
        },
        ["to"] = to,
        ["to_formatted"] = to,
        ["trunk_sid"] = trunkSid,
        ["uri"] = $"{PathPrefix}/Accounts/{AccountSid}/Calls/{sid}.json",
        ["queue_time"] = "0",
    };

    /// <summary>
    /// An item of a call's Events: the request Twilio made and the answer it got. A fallback request carries the
    /// failed request's <c>error_code</c> and <c>error_url</c> among its parameters, as Twilio sends them.
    /// </summary>
    public JsonObject Request(DateTimeOffset at, string url, int? responseCode, int durationMs, string? errorCode = null, string? errorUrl = null,
        string callStatus = "ringing", string method = "POST")
    {
        var parameters = new JsonObject
        {
            ["account_sid"] = AccountSid,
            ["api_version"] = "2010-04-01",
            ["call_status"] = callStatus,
            ["direction"] = "inbound",
        };
        if (errorCode is not null) parameters["error_code"] = errorCode;
        if (errorUrl is not null) parameters["error_url"] = errorUrl;
        if (callStatus == "completed") parameters["callback_source"] = "call-progress-events";
        return new JsonObject
        {
            ["request"] = new JsonObject { ["method"] = method, ["url"] = url, ["parameters"] = parameters },
            ["response"] = new JsonObject
            {
                ["response_code"] = responseCode,
                ["request_duration"] = durationMs,
                ["content_type"] = responseCode is null ? null : "text/xml",
                ["response_body"] = responseCode is >= 200 and < 300 ? "<Response><Connect><Stream url=\"wss://example\"/></Connect></Response>" : null,
                ["date_created"] = Rfc2822(at),
            },
        };
    }

    /// <summary>An IncomingPhoneNumber resource in the spec's shape.</summary>
    public JsonObject Number(string phoneNumber, string? voiceUrl, string? voiceFallbackUrl, string? statusCallback, DateTimeOffset dateUpdated,
        string? applicationSid = null, string? trunkSid = null) => new()
    {
        ["account_sid"] = AccountSid,
        ["address_requirements"] = "none",
        ["api_version"] = "2010-04-01",
        ["beta"] = false,
        ["capabilities"] = new JsonObject { ["voice"] = true, ["sms"] = false, ["mms"] = false, ["fax"] = false },
        ["date_created"] = Rfc2822(dateUpdated.AddDays(-30)),
        ["date_updated"] = Rfc2822(dateUpdated),
        ["friendly_name"] = phoneNumber,
        ["origin"] = "twilio",
        ["phone_number"] = phoneNumber,
        ["sid"] = "PN" + new string('1', 32),
        ["status_callback"] = statusCallback ?? "",
        ["status_callback_method"] = "POST",
        ["trunk_sid"] = trunkSid,
        ["uri"] = $"{PathPrefix}/Accounts/{AccountSid}/IncomingPhoneNumbers/PN{new string('1', 32)}.json",
        ["voice_application_sid"] = applicationSid ?? "",
        ["voice_caller_id_lookup"] = false,
        ["voice_fallback_method"] = "POST",
        ["voice_fallback_url"] = voiceFallbackUrl,
        ["voice_method"] = "POST",
        ["voice_url"] = voiceUrl,
        ["voice_receive_mode"] = "voice",
        ["status"] = "in-use",
        ["type"] = "local",
    };

    /// <summary>RFC 2822 as Twilio writes it: <c>Fri, 18 Oct 2019 17:00:00 +0000</c>.</summary>
    public static string Rfc2822(DateTimeOffset time) => time.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    internal void Map(WebApplication app)
    {
        const string account = PathPrefix + "/Accounts/{account}";
        app.MapGet(account + "/Calls/{sid}.json", (HttpContext context, string account, string sid) =>
            Answer(context, account, () => _calls.TryGetValue(sid, out var call) ? Results.Json(call) : NotFound()));
        app.MapGet(account + "/Calls.json", (HttpContext context, string account) => Answer(context, account, () =>
        {
            var parent = context.Request.Query["ParentCallSid"].ToString();
            return Page(context, "calls", _calls.Values.Where(c => parent.Length == 0 || (string?)c["parent_call_sid"] == parent)
                .OrderBy(c => (string?)c["sid"], StringComparer.Ordinal));
        }));
        app.MapGet(account + "/Calls/{sid}/Events.json", (HttpContext context, string account, string sid) =>
            Answer(context, account, () => Page(context, "events", _events.TryGetValue(sid, out var events) ? events : [])));
        app.MapGet(account + "/Calls/{sid}/Notifications.json", (HttpContext context, string account, string sid) =>
            Answer(context, account, () => Page(context, "notifications", _notifications.TryGetValue(sid, out var list) ? list : [])));
        app.MapGet(account + "/IncomingPhoneNumbers.json", (HttpContext context, string account) => Answer(context, account, () =>
        {
            var number = context.Request.Query["PhoneNumber"].ToString();
            return Page(context, "incoming_phone_numbers", _numbers.Where(n => number.Length == 0 || (string?)n["phone_number"] == number));
        }));
    }

    private IResult Answer(HttpContext context, string account, Func<IResult> serve)
    {
        var n = Interlocked.Increment(ref _received);
        if (_script?.Invoke(n) is { } scripted) return Results.Text(scripted.Body, "application/json", statusCode: scripted.Status);
        if (!Authorized(context.Request)) return Error(401, 20003, "Authenticate");
        return account == AccountSid ? serve() : NotFound();
    }

    private bool Authorized(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null) return false;
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter)) == ApiKeySid + ":" + ApiKeySecret;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>One page of a list with the spec's paging fields; <c>next_page_uri</c> is relative to the API host, as Twilio's is.</summary>
    private IResult Page(HttpContext context, string listName, IEnumerable<JsonObject> all)
    {
        var query = context.Request.Query;
        var size = Math.Clamp(int.TryParse(query["PageSize"], CultureInfo.InvariantCulture, out var s) ? s : 50, 1, PageSize);
        var page = int.TryParse(query["Page"], CultureInfo.InvariantCulture, out var p) ? Math.Max(0, p) : 0;
        var items = all.ToList();
        var slice = items.Skip(page * size).Take(size).Select(i => (JsonNode)JsonNode.Parse(i.ToJsonString())!).ToArray();
        var others = string.Concat(query.Where(q => q.Key is not ("PageSize" or "Page" or "PageToken"))
            .Select(q => $"&{q.Key}={Uri.EscapeDataString(q.Value.ToString())}"));
        string PageUri(int n) => $"{context.Request.Path}?PageSize={size}&Page={n}{others}" + (n > 0 ? $"&PageToken=PA{n}" : "");
        var hasNext = (page + 1) * size < items.Count;
        return Results.Json(new JsonObject
        {
            [listName] = new JsonArray(slice),
            ["end"] = page * size + Math.Max(0, slice.Length - 1),
            ["first_page_uri"] = PageUri(0),
            ["next_page_uri"] = hasNext ? PageUri(page + 1) : null,
            ["page"] = page,
            ["page_size"] = size,
            ["previous_page_uri"] = page > 0 ? PageUri(page - 1) : null,
            ["start"] = page * size,
            ["uri"] = PageUri(page),
        });
    }

    private static IResult NotFound() => Error(404, 20404, "The requested resource was not found");

    private static IResult Error(int status, int code, string message) => Results.Json(new JsonObject
    {
        ["code"] = code,
        ["message"] = message,
        ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
        ["status"] = status,
    }, statusCode: status);
}

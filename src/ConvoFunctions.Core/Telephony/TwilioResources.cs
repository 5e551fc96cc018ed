using System.Globalization;
using System.Text.Json;

namespace ConvoFunctions.Telephony;

/// <summary>
/// A call resource (<c>GET /2010-04-01/Accounts/{AC}/Calls/{CA}.json</c>): <c>direction</c> is <c>inbound</c>,
/// <c>outbound-api</c>, <c>outbound-dial</c> (a leg a <c>&lt;Dial&gt;</c> created) or <c>trunking-*</c>.
/// </summary>
internal sealed record TwilioCall(
    string Sid, string? ParentCallSid, string? Direction, string? From, string? To, string? Status,
    DateTimeOffset? StartTime, DateTimeOffset? EndTime, int? DurationSeconds, string? TrunkSid, string? ForwardedFrom)
{
    public const string DialedLeg = "outbound-dial";

    /// <summary>A leg the call's TwiML dialed: it has its own CallSid, and its parent is the call that dialed it.</summary>
    public bool IsDialedLeg => string.Equals(Direction, DialedLeg, StringComparison.OrdinalIgnoreCase);

    public bool IsInbound => string.Equals(Direction, "inbound", StringComparison.OrdinalIgnoreCase);

    internal static TwilioCall? Read(JsonElement call) =>
        TwilioJson.String(call, "sid") is not { } sid ? null : new TwilioCall(
            sid,
            TwilioJson.String(call, "parent_call_sid"),
            TwilioJson.String(call, "direction"),
            TwilioJson.String(call, "from"),
            TwilioJson.String(call, "to"),
            TwilioJson.String(call, "status"),
            TwilioJson.Date(call, "start_time"),
            TwilioJson.Date(call, "end_time"),
            int.TryParse(TwilioJson.String(call, "duration"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : null,
            TwilioJson.String(call, "trunk_sid"),
            TwilioJson.String(call, "forwarded_from"));
}

/// <summary>
/// One HTTP request Twilio made for a call (an item of <c>…/Calls/{CA}/Events.json</c>): where it went, how the server
/// answered and how long it took. A request for the fallback URL carries the failed request's <c>error_code</c> and
/// <c>error_url</c> among its parameters.
/// </summary>
internal sealed record TwilioRequest(
    DateTimeOffset? At, string? Method, string Url, int? ResponseCode, int? DurationMs, string? ErrorCode, string? ErrorUrl, bool IsStatusCallback)
{
    /// <summary>Twilio asked this URL because an earlier request failed (its fallback).</summary>
    public bool IsFallback => ErrorCode is not null || ErrorUrl is not null;

    /// <summary>
    /// A request for the call's instructions (TwiML): not a status callback, and not Twilio's record of a REST request
    /// made to its own API.
    /// </summary>
    public bool IsTwimlRequest => !IsStatusCallback && !TelephonyUrls.IsTwilioApi(Url);

    internal static TwilioRequest? Read(JsonElement item)
    {
        if (!item.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object) return null;
        if (TwilioJson.String(request, "url") is not { } url) return null;
        var parameters = request.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        string? Parameter(string name) => parameters.ValueKind == JsonValueKind.Object ? TwilioJson.String(parameters, name) : null;
        var response = item.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.Object ? r : default;
        int? Number(string name) => response.ValueKind == JsonValueKind.Object ? TwilioJson.Int(response, name) : null;
        var status = Parameter("call_status");
        return new TwilioRequest(
            response.ValueKind == JsonValueKind.Object ? TwilioJson.Date(response, "date_created") : null,
            TwilioJson.String(request, "method"),
            url,
            Number("response_code"),
            Number("request_duration"),
            Parameter("error_code"),
            Parameter("error_url"),
            Parameter("callback_source") is not null || status is "completed" or "busy" or "failed" or "no-answer" or "canceled");
    }
}

/// <summary>An error or warning Twilio recorded for a call (<c>…/Calls/{CA}/Notifications.json</c>).</summary>
internal sealed record TwilioNotification(string? ErrorCode, bool IsError, string? RequestUrl, DateTimeOffset? At)
{
    /// <summary>11200–11237 (the voice URL could not be fetched or answered badly) and 12100 (TwiML not parsed): Twilio then requests the fallback URL.</summary>
    public bool IsVoiceUrlFailure => int.TryParse(ErrorCode, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code)
        && code is (>= 11200 and <= 11237) or 12100;

    internal static TwilioNotification Read(JsonElement item) => new(
        TwilioJson.String(item, "error_code"),
        TwilioJson.String(item, "log") is "0",
        TwilioJson.String(item, "request_url"),
        TwilioJson.Date(item, "message_date") ?? TwilioJson.Date(item, "date_created"));
}

/// <summary>
/// A number's configuration today (<c>…/IncomingPhoneNumbers.json?PhoneNumber=</c>), not the one at the time of the
/// call: <see cref="DateUpdated"/> tells whether it changed since.
/// </summary>
internal sealed record TwilioNumber(
    string PhoneNumber, string? VoiceUrl, string? VoiceFallbackUrl, string? StatusCallback, string? VoiceApplicationSid, string? TrunkSid,
    DateTimeOffset? DateUpdated)
{
    internal static TwilioNumber? Read(JsonElement item) =>
        TwilioJson.String(item, "phone_number") is not { } number ? null : new TwilioNumber(
            number,
            TwilioJson.String(item, "voice_url"),
            TwilioJson.String(item, "voice_fallback_url"),
            TwilioJson.String(item, "status_callback"),
            TwilioJson.String(item, "voice_application_sid"),
            TwilioJson.String(item, "trunk_sid"),
            TwilioJson.Date(item, "date_updated"));
}

/// <summary>Reading Twilio's 2010-04-01 JSON: empty strings are absent, numbers may come as text, dates are RFC 2822.</summary>
internal static class TwilioJson
{
    public static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String when !string.IsNullOrWhiteSpace(value.GetString()) => value.GetString()!.Trim(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    public static int? Int(JsonElement element, string name) =>
        int.TryParse(String(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
        : double.TryParse(String(element, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (int)Math.Round(d) : null;

    public static DateTimeOffset? Date(JsonElement element, string name) => ParseRfc2822(String(element, name));

    /// <summary><c>Fri, 18 Oct 2019 17:00:00 +0000</c>; null when it is not such a date.</summary>
    public static DateTimeOffset? ParseRfc2822(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var space = text.LastIndexOf(' ');
        if (space < 0) return null;
        var (stamp, zone) = (text[..space], text[(space + 1)..]);
        if (!DateTime.TryParseExact(stamp, "ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return null;
        if (zone is "GMT" or "UT" or "UTC") return new DateTimeOffset(local, TimeSpan.Zero);
        if (zone.Length != 5 || zone[0] is not ('+' or '-')
            || !int.TryParse(zone.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(zone.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)) return null;
        var offset = new TimeSpan(hours, minutes, 0);
        return new DateTimeOffset(local, zone[0] == '-' ? -offset : offset);
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ConvoFunctions.Cli.Local;

/// <summary>
/// The telephony side of the stand-in: ElevenLabs' SIP log of a conversation
/// (<c>GET /v1/convai/conversations/{id}/sip-messages</c>, the SDK's <c>GetSipLogMessagesResponse</c>, cursor paging) and
/// Twilio's REST API on the same port (<see cref="Twilio"/>), so one loopback server stands in for both.
/// </summary>
internal sealed partial class ElevenLabsStandIn
{
    private readonly ConcurrentDictionary<string, JsonArray> _sipMessages = new(StringComparer.Ordinal);

    /// <summary>Twilio's API under <c>/2010-04-01/</c> (its own Basic auth; the <c>xi-api-key</c> check does not apply there).</summary>
    public TwilioStandIn Twilio { get; } = new();

    /// <summary>Adds items to a conversation's SIP log (build them with <see cref="SipMessage"/>).</summary>
    public void AddSipMessages(string conversationId, params JsonObject[] messages)
    {
        var log = _sipMessages.GetOrAdd(conversationId, _ => []);
        lock (log)
        {
            // A copy: the caller may add the same message to another log, or change its own.
            foreach (var message in messages) log.Add(JsonNode.Parse(message.ToJsonString()));
        }
    }

    /// <summary>
    /// An item of the SIP log in the SDK's <c>SipLogMessage</c> shape: a request (<paramref name="method"/>) or, given a
    /// status line such as <c>SIP/2.0 200 OK</c>, the response to the INVITE. An INVITE that opens a call has no tag in
    /// its <c>To</c> header; a re-INVITE inside the call has one.
    /// </summary>
    public static JsonObject SipMessage(string callId, DateTimeOffset at, string method = "INVITE", string direction = "in", bool toTag = false,
        string remoteAddress = "203.0.113.10:5060", string caller = "+447700900123", string called = "+442079460000") => new()
    {
        ["call_id"] = callId,
        ["phone_numbers"] = new JsonArray(caller, called),
        ["local_address"] = "198.51.100.20:5060",
        ["remote_address"] = remoteAddress,
        ["transport"] = "udp",
        ["raw_message"] = string.Join("\r\n",
            method.StartsWith("SIP/", StringComparison.Ordinal) ? method : $"{method} sip:{called}@sip.rtc.elevenlabs.io SIP/2.0",
            $"Via: SIP/2.0/UDP {remoteAddress};branch=z9hG4bK{Guid.NewGuid():N}",
            $"From: <sip:{caller}@trunk.example.com>;tag=from1",
            $"To: <sip:{called}@sip.rtc.elevenlabs.io>" + (toTag ? ";tag=to1" : ""),
            $"Call-ID: {callId}",
            $"CSeq: 1 {(method.StartsWith("SIP/", StringComparison.Ordinal) ? "INVITE" : method)}",
            "Content-Length: 0",
            "",
            ""),
        ["error_message"] = "",
        ["direction"] = direction,
        ["created_at_unix_micro"] = at.ToUnixTimeMilliseconds() * 1000,
    };

    private void MapTelephony(WebApplication app)
    {
        app.MapGet(ConversationsPath + "/{id}/sip-messages", (HttpRequest request, string id) =>
        {
            var query = request.Query;
            var size = Math.Clamp(int.TryParse(query["page_size"], CultureInfo.InvariantCulture, out var s) ? s : 30, 1, PageSize);
            var offset = int.TryParse(query["cursor"], CultureInfo.InvariantCulture, out var c) ? Math.Max(0, c) : 0;
            JsonNode[] all;
            var log = _sipMessages.GetValueOrDefault(id) ?? [];
            lock (log) all = log.Select(m => JsonNode.Parse(m!.ToJsonString())!).ToArray();
            var page = all.Skip(offset).Take(size).ToArray();
            var hasMore = offset + page.Length < all.Length;
            return Results.Json(new JsonObject
            {
                ["sip_messages"] = new JsonArray(page),
                ["next_cursor"] = hasMore ? (offset + page.Length).ToString(CultureInfo.InvariantCulture) : null,
                ["has_more"] = hasMore,
            });
        });
        Twilio.Map(app);
    }
}

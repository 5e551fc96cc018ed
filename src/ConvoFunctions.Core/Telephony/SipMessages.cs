using System.Net;
using System.Text.Json;
using ConvoFunctions.ElevenLabs;

namespace ConvoFunctions.Telephony;

/// <summary>
/// One item of ElevenLabs' SIP log of a conversation's call (the SDK's <c>SipLogMessage</c>), reduced to what the
/// evidence needs: the raw message is read for its request line and <c>To</c> tag only, never kept (it holds numbers).
/// </summary>
internal sealed record SipMessage(string CallId, bool Inbound, DateTimeOffset At, string? Method, bool IsInitialInvite, string? RemoteAddress, string? Transport)
{
    internal static SipMessage? Read(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object) return null;
        var callId = Text(item, "call_id") ?? "";
        var inbound = string.Equals(Text(item, "direction"), "in", StringComparison.OrdinalIgnoreCase);
        var micros = item.TryGetProperty("created_at_unix_micro", out var at) && at.TryGetInt64(out var m) ? m : 0;
        var (method, hasToTag) = RequestLine(Text(item, "raw_message"));
        return new SipMessage(callId, inbound, DateTimeOffset.UnixEpoch.AddTicks(micros * 10), method,
            inbound && method == "INVITE" && !hasToTag, Text(item, "remote_address"), Text(item, "transport"));
    }

    /// <summary>
    /// The method of a request (null for a response) and whether its <c>To</c> header has a tag: an INVITE without one
    /// opens a call; with one it is a re-INVITE inside a call already open.
    /// </summary>
    internal static (string? Method, bool HasToTag) RequestLine(string? raw)
    {
        if (string.IsNullOrEmpty(raw)) return (null, false);
        var lines = raw.Split('\n', StringSplitOptions.TrimEntries);
        var first = lines[0];
        var method = first.StartsWith("SIP/", StringComparison.OrdinalIgnoreCase) || !first.Contains(' ', StringComparison.Ordinal)
            ? null : first[..first.IndexOf(' ', StringComparison.Ordinal)].ToUpperInvariant();
        var to = lines.Skip(1).TakeWhile(l => l.Length > 0)
            .FirstOrDefault(l => l.StartsWith("To:", StringComparison.OrdinalIgnoreCase) || l.StartsWith("t:", StringComparison.OrdinalIgnoreCase));
        return (method, to is not null && to.Contains(";tag=", StringComparison.OrdinalIgnoreCase));
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!.Trim() : null;
}

/// <summary>
/// <c>GET /v1/convai/conversations/{id}/sip-messages</c> through the shared typed <see cref="ElevenLabsClient"/> (same key,
/// resilience) behind the same concurrency gate, every page (<c>cursor</c> / <c>next_cursor</c>).
/// </summary>
internal sealed class SipMessageReader(ElevenLabsClient client, ElevenLabsConcurrencyGate gate)
{
    private const int MaxPages = 10;

    /// <summary>The conversation's SIP messages; empty when ElevenLabs keeps none for it (404).</summary>
    public async Task<IReadOnlyList<SipMessage>> ReadAsync(string conversationId, CancellationToken cancellationToken)
    {
        var messages = new List<SipMessage>();
        string? cursor = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var path = $"v1/convai/conversations/{Uri.EscapeDataString(conversationId)}/sip-messages?page_size=100"
                + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            JsonDocument document;
            try
            {
                document = await gate.RunAsync(ct => client.GetJsonAsync(path, ct), cancellationToken);
            }
            catch (ElevenLabsApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return messages;
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.TryGetProperty("sip_messages", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    messages.AddRange(list.EnumerateArray().Select(SipMessage.Read).OfType<SipMessage>());
                }
                var more = root.TryGetProperty("has_more", out var hasMore) && hasMore.ValueKind == JsonValueKind.True;
                var next = root.TryGetProperty("next_cursor", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                if (!more || string.IsNullOrEmpty(next) || next == cursor) break;
                cursor = next;
            }
        }
        return messages;
    }
}

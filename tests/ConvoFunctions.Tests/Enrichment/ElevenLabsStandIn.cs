using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace ConvoFunctions.Tests.Enrichment;

/// <summary>An answer of the stand-in API: status, JSON body, optional Retry-After seconds, optional delay.</summary>
internal sealed record StandInAnswer(int Status, string Body, int? RetryAfterSeconds = null, TimeSpan Delay = default)
{
    public static StandInAnswer Ok(string body, TimeSpan delay = default) => new(200, body, Delay: delay);

    public static StandInAnswer Error(int status, string code, int? retryAfter = null) =>
        new(status, $$$"""{"detail":{"status":"{{{code}}}","message":"stand-in {{{status}}}"}}""", retryAfter);
}

/// <summary>
/// The ElevenLabs API on a real loopback Kestrel (<see cref="LoopbackServer"/>): <c>GET /v1/convai/conversations/{id}</c>
/// answers from a per-conversation script (attempt number → answer); unknown conversations are 404.
/// Counts requests in flight so tests can check the concurrency bound.
/// </summary>
internal sealed class ElevenLabsStandIn : IAsyncDisposable
{
    private const string ConversationPath = "/v1/convai/conversations/";
    private readonly ConcurrentDictionary<string, Func<int, StandInAnswer>> _scripts = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private LoopbackServer _server = null!;
    private int _inFlight;
    private int _peak;

    public Uri BaseAddress => _server.BaseAddress;

    public IReadOnlyList<RecordedRequest> Requests => _server.Requests;

    public int PeakConcurrency => Volatile.Read(ref _peak);

    public static async Task<ElevenLabsStandIn> StartAsync()
    {
        var standIn = new ElevenLabsStandIn();
        standIn._server = await LoopbackServer.StartAsync(standIn.HandleAsync);
        return standIn;
    }

    public void Serve(string conversationId, Func<int, StandInAnswer> script) => _scripts[conversationId] = script;

    public void Serve(string conversationId, string body, TimeSpan delay = default) => Serve(conversationId, _ => StandInAnswer.Ok(body, delay));

    public int Attempts(string conversationId) => _attempts.GetValueOrDefault(conversationId);

    private async Task HandleAsync(HttpContext context, RecordedRequest request)
    {
        var now = Interlocked.Increment(ref _inFlight);
        int peak;
        while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak) { }
        try
        {
            var path = context.Request.Path.Value ?? "";
            if (!path.StartsWith(ConversationPath, StringComparison.Ordinal))
            {
                await Write(context, StandInAnswer.Error(404, "not_found"));
                return;
            }
            var id = Uri.UnescapeDataString(path[ConversationPath.Length..]);
            var attempt = _attempts.AddOrUpdate(id, 1, (_, n) => n + 1);
            var answer = _scripts.TryGetValue(id, out var script) ? script(attempt) : StandInAnswer.Error(404, "conversation_not_found");
            if (answer.Delay > TimeSpan.Zero) await Task.Delay(answer.Delay);
            await Write(context, answer);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static async Task Write(HttpContext context, StandInAnswer answer)
    {
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json";
        if (answer.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString();
        await context.Response.WriteAsync(answer.Body);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    // Recorded bodies: the fixtures, and variants made from copies of them.

    public static string RealConversation => Fixtures.Text(Fixtures.ConversationReal);

    public static string BlankConversation => Fixtures.Text(Fixtures.ConversationBlank);

    /// <summary>conversation-real.json under another id, changed by <paramref name="change"/>.</summary>
    public static string Variant(string conversationId, Action<JsonObject> change)
    {
        var json = JsonNode.Parse(RealConversation)!.AsObject();
        json["conversation_id"] = conversationId;
        json["conversation_initiation_client_data"]!["dynamic_variables"]!["system__conversation_id"] = conversationId;
        change(json);
        return json.ToJsonString();
    }

    public static void WithoutPhone(JsonObject conversation)
    {
        conversation["metadata"]!.AsObject().Remove("phone_call");
        var variables = conversation["conversation_initiation_client_data"]!["dynamic_variables"]!.AsObject();
        variables.Remove("system__call_sid");
        variables.Remove("system__caller_id");
        variables.Remove("system__called_number");
    }

    public static Action<JsonObject> WithPhone(JsonObject phoneCall) => conversation =>
    {
        conversation["metadata"]!["phone_call"] = phoneCall;
        // system__call_sid exists for Twilio calls only.
        conversation["conversation_initiation_client_data"]!["dynamic_variables"]!.AsObject().Remove("system__call_sid");
    };

    /// <summary>A post_call_transcription webhook body whose data is the given conversation.</summary>
    public static byte[] TranscriptionWebhook(string conversationJson, long eventTimestamp = 1763996550) =>
        System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["type"] = "post_call_transcription",
            ["event_timestamp"] = eventTimestamp,
            ["data"] = JsonNode.Parse(conversationJson),
        }.ToJsonString());
}

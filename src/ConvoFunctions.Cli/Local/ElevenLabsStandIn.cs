using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ConvoFunctions.ElevenLabs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Cli.Local;

/// <summary>One answer of the stand-in: status, JSON body, optional Retry-After seconds, optional delay first.</summary>
internal sealed record StandInAnswer(int Status, string Body, int? RetryAfterSeconds = null, TimeSpan Delay = default)
{
    public static StandInAnswer Ok(string body, TimeSpan delay = default) => new(200, body, Delay: delay);

    public static StandInAnswer Error(int status, string code, int? retryAfter = null) =>
        new(status, $$$"""{"detail":{"status":"{{{code}}}","message":"stand-in {{{status}}}"}}""", retryAfter);
}

/// <summary>
/// Faults drawn at random (seeded, so a run repeats) for every request: shares answered 429 (Retry-After: 1), 500, or
/// stalled for 30 s (past any sane attempt timeout); every request first waits <see cref="Latency"/>.
/// </summary>
internal sealed record StandInFaults(double Throttled = 0, double Failed = 0, double Stalled = 0, TimeSpan Latency = default, int Seed = 7);

/// <summary>A request as the stand-in received it.</summary>
internal sealed record StandInRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// The ElevenLabs Agents API on loopback (Kestrel), the one stand-in of <c>convo serve --demo</c>, the tests, the
/// reliability harness and the benchmarks: conversation details, the conversation list (agent and start-time filters,
/// cursor paging, newest first) and the workspace webhooks, answering from conversations seeded with <see cref="Add"/>
/// in the detail endpoint's shape. Faults: per conversation by attempt (<see cref="Script"/>) or at random for every
/// request (<see cref="StandInFaults"/>). Counters: every request, attempts per conversation, peak requests in flight.
/// </summary>
internal sealed partial class ElevenLabsStandIn : IAsyncDisposable
{
    private const string ConversationsPath = "/v1/convai/conversations";
    private readonly WebApplication _app;
    private readonly string _apiKey;
    private readonly StandInFaults _faults;
    private readonly Random _random;
    private readonly ConcurrentDictionary<string, JsonObject> _conversations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<int, StandInAnswer?>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StandInRequest> _requests = new();
    private int _inFlight, _peak, _throttled, _failed, _stalled;
    private long _handlingTicks;

    private ElevenLabsStandIn(WebApplication app, string apiKey, StandInFaults faults)
    {
        _app = app;
        _apiKey = apiKey;
        _faults = faults;
        _random = new Random(faults.Seed);
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request received, oldest first.</summary>
    public IReadOnlyList<StandInRequest> Requests => _requests.ToArray();

    /// <summary>The most requests in flight at once since start (or <see cref="ResetPeak"/>).</summary>
    public int PeakConcurrency => Volatile.Read(ref _peak);

    /// <summary><c>webhooks</c> of <c>GET /v1/workspace/webhooks</c>; one healthy webhook unless replaced.</summary>
    public JsonArray Webhooks { get; set; } = [new JsonObject
    {
        ["webhook_id"] = "wh_local", ["name"] = "ConvoFunctions", ["is_disabled"] = false, ["is_auto_disabled"] = false,
        ["most_recent_failure_error_code"] = null, ["most_recent_failure_timestamp"] = null,
    }];

    /// <summary>
    /// <c>GET /v1/convai/settings</c> in the SDK's <c>GetConvAiSettingsResponseModel</c> shape: the workspace's post-call
    /// webhook (<c>wh_local</c>, as in <see cref="Webhooks"/>) subscribed to transcripts and call-initiation failures.
    /// </summary>
    public JsonObject Settings { get; set; } = new()
    {
        ["webhooks"] = new JsonObject
        {
            ["post_call_webhook_id"] = "wh_local",
            ["events"] = new JsonArray("transcript", "call_initiation_failure"),
            ["send_audio"] = false,
        },
        ["can_use_mcp_servers"] = false,
        ["rag_retention_period_days"] = 10,
    };

    /// <summary>
    /// <c>GET /v1/convai/agents/{id}</c> answers for agents whose <c>platform_settings.workspace_overrides</c> matter; an
    /// agent not here answers with no overrides.
    /// </summary>
    public ConcurrentDictionary<string, JsonObject> AgentOverrides { get; } = new(StringComparer.Ordinal);

    /// <summary>The largest list page served, whatever <c>page_size</c> asks (the API's own cap is 100).</summary>
    public int PageSize { get; set; } = 100;

    public string Summary => FormattableString.Invariant(
        $"API stand-in: {_requests.Count} requests, {_throttled} answered 429, {_failed} answered 500, {_stalled} stalled, mean {MeanHandlingMs:F1} ms, peak {PeakConcurrency} in flight");

    /// <summary>Mean time from receiving a request to its answer, faults included.</summary>
    public double MeanHandlingMs => _requests.IsEmpty ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref _handlingTicks) / _requests.Count).TotalMilliseconds;

    /// <summary>Starts on a free loopback port; requests without <c>xi-api-key: <paramref name="apiKey"/></c> answer 401.</summary>
    public static async Task<ElevenLabsStandIn> StartAsync(string apiKey, StandInFaults? faults = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new ElevenLabsStandIn(app, apiKey, faults ?? new StandInFaults());
        app.Use(standIn.ReceiveAsync);
        app.MapGet(ConversationsPath + "/{id}", standIn.DetailAsync);
        app.MapGet(ConversationsPath, standIn.List);
        app.MapGet("/v1/workspace/webhooks", () => Results.Json(new JsonObject { ["webhooks"] = Copy(standIn.Webhooks) }));
        app.MapGet("/v1/convai/settings", () => Results.Json(Copy(standIn.Settings)));
        app.MapGet("/v1/convai/agents/{id}", (string id) => Results.Json(new JsonObject
        {
            ["agent_id"] = id,
            ["name"] = id,
            ["platform_settings"] = new JsonObject
            {
                ["workspace_overrides"] = standIn.AgentOverrides.TryGetValue(id, out var overrides) ? Copy(overrides) : new JsonObject(),
            },
        }));
        standIn.MapTelephony(app);
        await app.StartAsync(cancellationToken);
        standIn.BaseAddress = new Uri(app.Urls.First());
        return standIn;
    }

    /// <summary>Adds or replaces a conversation, in the shape of <c>GET /v1/convai/conversations/{id}</c>.</summary>
    public void Add(JsonObject conversation)
    {
        var id = (string?)conversation["conversation_id"] ?? throw new ArgumentException("The conversation has no conversation_id.", nameof(conversation));
        // Through its JSON text: numbers then read as any numeric type, as they would from the wire, and the caller
        // may go on changing its own copy.
        _conversations[id] = Copy(conversation);
    }

    /// <summary>Adds or replaces a conversation given as the detail endpoint's JSON text.</summary>
    public void Add(string conversationJson) => Add(JsonNode.Parse(conversationJson)!.AsObject());

    /// <summary>
    /// Scripts the detail endpoint for one conversation: attempt number (from 1) → answer; null answers from the
    /// seeded conversation as usual (404 when there is none).
    /// </summary>
    public void Script(string conversationId, Func<int, StandInAnswer?> script) => _scripts[conversationId] = script;

    /// <summary>Detail requests received for one conversation.</summary>
    public int Attempts(string conversationId) => _attempts.GetValueOrDefault(conversationId);

    /// <summary>Requests whose path and query start with <paramref name="pathPrefix"/>.</summary>
    public int Count(string pathPrefix) => _requests.Count(r => r.PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal));

    public void ResetPeak() => Volatile.Write(ref _peak, 0);

    private async Task ReceiveAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        _requests.Enqueue(new StandInRequest(context.Request.Method, $"{context.Request.Path}{context.Request.QueryString}",
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        var now = Interlocked.Increment(ref _inFlight);
        int peak;
        while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak) { }
        try
        {
            if (!TwilioStandIn.Handles(context.Request) && context.Request.Headers[ElevenLabsClient.ApiKeyHeader] != _apiKey)
            {
                await WriteAsync(context, StandInAnswer.Error(StatusCodes.Status401Unauthorized, "invalid_api_key"));
                return;
            }
            if (await DrawFaultAsync(context)) return;
            await next(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Add(ref _handlingTicks, Stopwatch.GetElapsedTime(started).Ticks);
        }
    }

    /// <summary>Answers with a random fault, if this request drew one.</summary>
    private async Task<bool> DrawFaultAsync(HttpContext context)
    {
        if (_faults.Latency > TimeSpan.Zero) await Task.Delay(_faults.Latency, context.RequestAborted);
        double draw;
        lock (_random) draw = _random.NextDouble();
        if (draw < _faults.Throttled)
        {
            Interlocked.Increment(ref _throttled);
            await WriteAsync(context, StandInAnswer.Error(StatusCodes.Status429TooManyRequests, "too_many_concurrent_requests", retryAfter: 1));
            return true;
        }
        if ((draw -= _faults.Throttled) < _faults.Failed)
        {
            Interlocked.Increment(ref _failed);
            await WriteAsync(context, StandInAnswer.Error(StatusCodes.Status500InternalServerError, "internal_error"));
            return true;
        }
        if ((draw -= _faults.Failed) < _faults.Stalled)
        {
            Interlocked.Increment(ref _stalled);
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return true;
        }
        return false;
    }

    private Task DetailAsync(HttpContext context, string id)
    {
        var attempt = _attempts.AddOrUpdate(id, 1, (_, n) => n + 1);
        var answer = _scripts.TryGetValue(id, out var script) ? script(attempt) : null;
        answer ??= _conversations.TryGetValue(id, out var conversation)
            ? StandInAnswer.Ok(conversation.ToJsonString())
            : StandInAnswer.Error(StatusCodes.Status404NotFound, "conversation_not_found");
        return WriteAsync(context, answer);
    }

    private IResult List(HttpRequest request)
    {
        var query = request.Query;
        long Number(string name, long fallback) => long.TryParse(query[name], CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var (after, before) = (Number("call_start_after_unix", long.MinValue), Number("call_start_before_unix", long.MaxValue));
        var pageSize = (int)Math.Clamp(Number("page_size", 30), 1, PageSize);
        var offset = (int)Math.Max(0, Number("cursor", 0));
        var agent = query["agent_id"].ToString();

        var matching = _conversations.Values
            .Where(c => agent.Length == 0 || (string?)c["agent_id"] == agent)
            .Select(c => (Conversation: c, Start: StartOf(c)))
            .Where(c => c.Start >= after && c.Start <= before)
            .OrderByDescending(c => c.Start)
            .ToList();
        var page = matching.Skip(offset).Take(pageSize).Select(c => (JsonNode)ListItem(c.Conversation, c.Start)).ToArray();
        var hasMore = offset + page.Length < matching.Count;
        return Results.Json(new JsonObject
        {
            ["conversations"] = new JsonArray(page),
            ["has_more"] = hasMore,
            ["next_cursor"] = hasMore ? (offset + page.Length).ToString(CultureInfo.InvariantCulture) : null,
        });
    }

    private static async Task WriteAsync(HttpContext context, StandInAnswer answer)
    {
        if (answer.Delay > TimeSpan.Zero) await Task.Delay(answer.Delay, context.RequestAborted);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json";
        if (answer.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.Response.WriteAsync(answer.Body);
    }

    private static long StartOf(JsonObject conversation) => (long?)conversation["metadata"]?["start_time_unix_secs"] ?? 0;

    private static T Copy<T>(T node) where T : JsonNode => (T)JsonNode.Parse(node.ToJsonString())!;

    /// <summary>An item of the list endpoint: no call SID, as ElevenLabs answers it.</summary>
    private static JsonObject ListItem(JsonObject c, long start) => new()
    {
        ["agent_id"] = (string?)c["agent_id"],
        ["agent_name"] = (string?)c["agent_name"],
        ["conversation_id"] = (string?)c["conversation_id"],
        ["start_time_unix_secs"] = start,
        ["call_duration_secs"] = (double?)c["metadata"]?["call_duration_secs"] ?? 0,
        ["message_count"] = (c["transcript"] as JsonArray)?.Count ?? 0,
        ["status"] = (string?)c["status"],
        ["call_successful"] = "unknown",
        ["direction"] = (string?)c["metadata"]?["phone_call"]?["direction"],
        ["conversation_initiation_source"] = (string?)c["metadata"]?["conversation_initiation_source"],
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

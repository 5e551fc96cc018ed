using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Benchmarks.Reliability;

/// <summary>
/// The ElevenLabs API on loopback for the harness: conversation details, the conversation list and the
/// workspace webhooks, answering a configured share of requests with 429 (Retry-After), 500 or a stall.
/// </summary>
internal sealed class StandInElevenLabs : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Scenario _scenario;
    private readonly ReliabilityOptions _options;
    private readonly Random _random;
    private int _requests, _throttled, _failed, _stalled;

    private StandInElevenLabs(WebApplication app, Scenario scenario, ReliabilityOptions options)
    {
        _app = app;
        _scenario = scenario;
        _options = options;
        _random = new Random(options.Seed);
    }

    public Uri BaseAddress { get; private set; } = null!;

    public string Summary => $"API stand-in: {_requests} requests, {_throttled} answered 429, {_failed} answered 500, {_stalled} stalled";

    public static async Task<StandInElevenLabs> StartAsync(Scenario scenario, ReliabilityOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new StandInElevenLabs(app, scenario, options);
        app.MapGet("/v1/convai/conversations/{id}", (HttpContext context, string id) => standIn.DetailAsync(context, id));
        app.MapGet("/v1/convai/conversations", standIn.ListAsync);
        app.MapGet("/v1/workspace/webhooks", (HttpContext context) =>
            context.Response.WriteAsync("""{"webhooks":[{"webhook_id":"wh_reliability","name":"ConvoFunctions","is_disabled":false,"is_auto_disabled":false,"most_recent_failure_error_code":null,"most_recent_failure_timestamp":null}]}"""));
        await app.StartAsync();
        standIn.BaseAddress = new Uri(app.Urls.First());
        return standIn;
    }

    private async Task DetailAsync(HttpContext context, string id)
    {
        if (await FaultAsync(context)) return;
        if (!_scenario.Conversations.TryGetValue(id, out var conversation))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("""{"detail":{"status":"conversation_not_found"}}""");
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(conversation.ToJsonString());
    }

    private async Task ListAsync(HttpContext context)
    {
        if (await FaultAsync(context)) return;
        var query = context.Request.Query;
        long Unix(string name, long fallback) => long.TryParse(query[name], CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var after = Unix("call_start_after_unix", long.MinValue);
        var before = Unix("call_start_before_unix", long.MaxValue);
        var pageSize = (int)Math.Clamp(Unix("page_size", 30), 1, 100);
        var offset = (int)Unix("cursor", 0);
        var agent = query["agent_id"].ToString();

        var matching = _scenario.Conversations.Values
            .Where(c => agent.Length == 0 || (string?)c["agent_id"] == agent)
            .Select(c => (Conversation: c, Start: (long)c["metadata"]!["start_time_unix_secs"]!))
            .Where(c => c.Start >= after && c.Start <= before)
            .OrderByDescending(c => c.Start)
            .ToList();
        var page = matching.Skip(offset).Take(pageSize).Select(c => (JsonNode)new JsonObject
        {
            ["agent_id"] = (string?)c.Conversation["agent_id"],
            ["conversation_id"] = (string?)c.Conversation["conversation_id"],
            ["start_time_unix_secs"] = c.Start,
            ["call_duration_secs"] = (int)c.Conversation["metadata"]!["call_duration_secs"]!,
            ["message_count"] = c.Conversation["transcript"]!.AsArray().Count,
            ["status"] = (string?)c.Conversation["status"],
            ["direction"] = "inbound",
        }).ToArray();
        var hasMore = offset + page.Length < matching.Count;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["conversations"] = new JsonArray(page),
            ["has_more"] = hasMore,
            ["next_cursor"] = hasMore ? (offset + page.Length).ToString(CultureInfo.InvariantCulture) : null,
        }.ToJsonString());
    }

    /// <summary>Answers with the injected fault, if this request drew one.</summary>
    private async Task<bool> FaultAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        double draw;
        lock (_random) draw = _random.NextDouble();
        await Task.Delay(_options.ApiLatency, context.RequestAborted);

        if (draw < _options.Api429Share)
        {
            Interlocked.Increment(ref _throttled);
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsync("""{"detail":{"status":"too_many_concurrent_requests"}}""");
            return true;
        }
        if ((draw -= _options.Api429Share) < _options.Api500Share)
        {
            Interlocked.Increment(ref _failed);
            context.Response.StatusCode = 500;
            return true;
        }
        if ((draw -= _options.Api500Share) < _options.ApiSlowShare)
        {
            // Past the client's attempt timeout: the client must give up on this attempt and retry.
            Interlocked.Increment(ref _stalled);
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted).ContinueWith(_ => { });
            return true;
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using ConvoFunctions.ElevenLabs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Cli.Local;

/// <summary>
/// The ElevenLabs Agents API on loopback (Kestrel): conversation details, the conversation list (agent and start-time
/// filters, cursor paging, newest first) and the workspace webhooks, answering from conversations seeded with
/// <see cref="Add"/> in the detail endpoint's shape. <c>convo serve --demo</c> runs the real API client against it;
/// it is meant to become the one stand-in of the tests and the reliability harness.
/// </summary>
internal sealed class ElevenLabsStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _apiKey;
    private readonly ConcurrentDictionary<string, JsonObject> _conversations = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();

    private ElevenLabsStandIn(WebApplication app, string apiKey)
    {
        _app = app;
        _apiKey = apiKey;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request answered, as <c>GET /path?query</c>, oldest first.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    /// <summary>Starts on a free loopback port; requests without <c>xi-api-key: <paramref name="apiKey"/></c> answer 401.</summary>
    public static async Task<ElevenLabsStandIn> StartAsync(string apiKey, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new ElevenLabsStandIn(app, apiKey);
        app.Use(standIn.AuthenticateAsync);
        app.MapGet("/v1/convai/conversations/{id}", standIn.Detail);
        app.MapGet("/v1/convai/conversations", standIn.List);
        app.MapGet("/v1/workspace/webhooks", () => Results.Json(new JsonObject
        {
            ["webhooks"] = new JsonArray(new JsonObject
            {
                ["webhook_id"] = "wh_local", ["name"] = "ConvoFunctions", ["is_disabled"] = false, ["is_auto_disabled"] = false,
            }),
        }));
        await app.StartAsync(cancellationToken);
        standIn.BaseAddress = new Uri(app.Urls.First());
        return standIn;
    }

    /// <summary>Adds or replaces a conversation, in the shape of <c>GET /v1/convai/conversations/{id}</c>.</summary>
    public void Add(JsonObject conversation)
    {
        var id = (string?)conversation["conversation_id"] ?? throw new ArgumentException("The conversation has no conversation_id.", nameof(conversation));
        // Through its JSON text: numbers then read as any numeric type, as they would from the wire.
        _conversations[id] = JsonNode.Parse(conversation.ToJsonString())!.AsObject();
    }

    private async Task AuthenticateAsync(HttpContext context, RequestDelegate next)
    {
        _requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        if (context.Request.Headers[ElevenLabsClient.ApiKeyHeader] != _apiKey)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsJsonAsync(new JsonObject { ["detail"] = new JsonObject { ["status"] = "invalid_api_key" } });
            return;
        }
        await next(context);
    }

    private IResult Detail(string id) =>
        _conversations.TryGetValue(id, out var conversation)
            ? Results.Json(conversation)
            : Results.Json(new JsonObject { ["detail"] = new JsonObject { ["status"] = "conversation_not_found" } }, statusCode: 404);

    private IResult List(HttpRequest request)
    {
        var query = request.Query;
        long Number(string name, long fallback) => long.TryParse(query[name], CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var (after, before) = (Number("call_start_after_unix", long.MinValue), Number("call_start_before_unix", long.MaxValue));
        var pageSize = (int)Math.Clamp(Number("page_size", 30), 1, 100);
        var offset = (int)Math.Max(0, Number("cursor", 0));
        var agent = query["agent_id"].ToString();

        var matching = _conversations.Values
            .Where(c => agent.Length == 0 || (string?)c["agent_id"] == agent)
            .Select(c => (Conversation: c, Start: StartOf(c)))
            .Where(c => c.Start >= after && c.Start <= before)
            .OrderByDescending(c => c.Start)
            .ToList();
        var page = matching.Skip(offset).Take(pageSize).Select(c => (JsonNode)Summary(c.Conversation, c.Start)).ToArray();
        var hasMore = offset + page.Length < matching.Count;
        return Results.Json(new JsonObject
        {
            ["conversations"] = new JsonArray(page),
            ["has_more"] = hasMore,
            ["next_cursor"] = hasMore ? (offset + page.Length).ToString(CultureInfo.InvariantCulture) : null,
        });
    }

    private static long StartOf(JsonObject conversation) => (long?)conversation["metadata"]?["start_time_unix_secs"] ?? 0;

    /// <summary>An item of the list endpoint: no call SID, as ElevenLabs answers it.</summary>
    private static JsonObject Summary(JsonObject c, long start) => new()
    {
        ["agent_id"] = (string?)c["agent_id"],
        ["agent_name"] = (string?)c["agent_name"],
        ["conversation_id"] = (string?)c["conversation_id"],
        ["start_time_unix_secs"] = start,
        ["call_duration_secs"] = (double?)c["metadata"]?["call_duration_secs"] ?? 0,
        ["message_count"] = (c["transcript"] as JsonArray)?.Count ?? 0,
        ["status"] = (string?)c["status"],
        ["direction"] = (string?)c["metadata"]?["phone_call"]?["direction"],
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

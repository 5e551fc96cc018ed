using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoFunctions.Detection;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Enrichment;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Tests.Detection;

/// <summary>Sample conversations built from the repository's fixtures (parsed by the production parser).</summary>
internal static class Samples
{
    public static JsonObject RealJson() => JsonNode.Parse(Fixtures.Text(Fixtures.ConversationReal))!.AsObject();

    public static JsonObject BlankJson() => JsonNode.Parse(Fixtures.Text(Fixtures.ConversationBlank))!.AsObject();

    /// <summary>When the samples count as read: ten minutes after the fixtures' calls, so they are settled.</summary>
    public static readonly DateTimeOffset ReadAt = DateTimeOffset.FromUnixTimeSeconds(1763996400).AddMinutes(10);

    public static ObservedConversation Parse(JsonObject json) => ObservedConversation.From(Facts(json, ReadAt));

    /// <summary>A conversation as the API describes it, read at <paramref name="readAt"/> (enrichment's reading).</summary>
    public static ConversationFacts Facts(JsonObject json, DateTimeOffset readAt) => ConversationFacts.FromConversation(
        JsonSerializer.Deserialize<ConversationDto>(json.ToJsonString(), ElevenLabs.ElevenLabsJson.Options)!,
        (string)json["conversation_id"]!, FactSources.Api, eventTime: null, readAt);

    public static ObservedConversation Real => Parse(RealJson());

    public static ObservedConversation Blank => Parse(BlankJson());

    /// <summary>
    /// A blank session without any phone metadata (an SDK or signed-URL session of the same agent), started at
    /// <paramref name="startUnix"/>: no <c>phone_call</c>, no caller, no call id.
    /// </summary>
    public static JsonObject Session(string id, long startUnix, string source)
    {
        var copy = Variant(BlankJson(), id, startUnix, null);
        copy["metadata"]!.AsObject().Remove("phone_call");
        copy["metadata"]!["conversation_initiation_source"] = source;
        var variables = copy["conversation_initiation_client_data"]!["dynamic_variables"]!.AsObject();
        foreach (var name in new[] { "system__caller_id", "system__called_number", "system__call_sid" }) variables.Remove(name);
        return copy;
    }

    /// <summary>A copy of a fixture with another id, start time and (optionally) call SID.</summary>
    public static JsonObject Variant(JsonObject json, string id, long startUnix, string? callSid)
    {
        var copy = JsonNode.Parse(json.ToJsonString())!.AsObject();
        copy["conversation_id"] = id;
        copy["metadata"]!["start_time_unix_secs"] = startUnix;
        var phone = copy["metadata"]!["phone_call"]!.AsObject();
        phone["call_sid"] = callSid;
        copy["conversation_initiation_client_data"]!["dynamic_variables"]!["system__call_sid"] = callSid;
        return copy;
    }
}

/// <summary>A loopback ElevenLabs API: list (with agent/time filters and cursor paging), detail and workspace webhooks.</summary>
internal sealed class ElevenLabsStandIn : IAsyncDisposable
{
    public const string ApiKey = "xi_test_key_0123456789";

    private ElevenLabsStandIn(LoopbackServer server) => Server = server;

    public LoopbackServer Server { get; }

    public List<JsonObject> Conversations { get; } = [];

    public JsonArray Webhooks { get; set; } = [];

    public int PageSize { get; set; } = 100;

    /// <summary>Conversation ids whose detail the stand-in answers with broken JSON.</summary>
    public HashSet<string> Malformed { get; } = [];

    public static async Task<ElevenLabsStandIn> StartAsync()
    {
        ElevenLabsStandIn? standIn = null;
        var server = await LoopbackServer.StartAsync((context, request) => standIn!.HandleAsync(context));
        standIn = new ElevenLabsStandIn(server);
        return standIn;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Headers["xi-api-key"] != ApiKey)
        {
            context.Response.StatusCode = 401;
            return;
        }
        var path = context.Request.Path.Value ?? "";
        var query = context.Request.Query;
        context.Response.ContentType = "application/json";
        if (path == "/v1/workspace/webhooks")
        {
            await context.Response.WriteAsync(new JsonObject { ["webhooks"] = JsonNode.Parse(Webhooks.ToJsonString()) }.ToJsonString());
            return;
        }
        if (path == "/v1/convai/conversations")
        {
            List<JsonObject> all;
            lock (Conversations) all = Conversations.ToList();
            var items = all
                .Where(c => !query.ContainsKey("agent_id") || (string?)c["agent_id"] == query["agent_id"])
                .Where(c => !query.ContainsKey("call_start_after_unix") || Start(c) >= long.Parse(query["call_start_after_unix"]!))
                .Where(c => !query.ContainsKey("call_start_before_unix") || Start(c) <= long.Parse(query["call_start_before_unix"]!))
                .OrderByDescending(Start)
                .ToList();
            var size = Math.Min(PageSize, int.Parse(query["page_size"].FirstOrDefault() ?? "30"));
            var offset = int.Parse(query["cursor"].FirstOrDefault() ?? "0");
            var page = items.Skip(offset).Take(size).Select(c => (JsonNode)new JsonObject
            {
                ["agent_id"] = (string?)c["agent_id"],
                ["agent_name"] = (string?)c["agent_name"],
                ["conversation_id"] = (string?)c["conversation_id"],
                ["start_time_unix_secs"] = Start(c),
                ["call_duration_secs"] = (long?)c["metadata"]!["call_duration_secs"],
                ["message_count"] = c["transcript"]!.AsArray().Count,
                ["status"] = (string?)c["status"],
                ["call_successful"] = "unknown",
                ["direction"] = (string?)c["metadata"]!["phone_call"]?["direction"],
            }).ToArray();
            var more = offset + size < items.Count;
            await context.Response.WriteAsync(new JsonObject
            {
                ["conversations"] = new JsonArray(page),
                ["has_more"] = more,
                ["next_cursor"] = more ? (offset + size).ToString() : null,
            }.ToJsonString());
            return;
        }
        const string prefix = "/v1/convai/conversations/";
        if (path.StartsWith(prefix, StringComparison.Ordinal))
        {
            var id = path[prefix.Length..];
            if (Malformed.Contains(id))
            {
                await context.Response.WriteAsync("{\"conversation_id\": \"" + id + "\", \"status\": ");
                return;
            }
            JsonObject? match;
            lock (Conversations) match = Conversations.FirstOrDefault(c => (string?)c["conversation_id"] == id);
            if (match is null)
            {
                context.Response.StatusCode = 404;
                return;
            }
            await context.Response.WriteAsync(match.ToJsonString());
            return;
        }
        context.Response.StatusCode = 404;
    }

    public int Count(string pathPrefix) => Server.Requests.Count(r => r.PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal));

    private static long Start(JsonObject c) => (long)c["metadata"]!["start_time_unix_secs"]!;

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

using System.Text.Json.Nodes;

namespace ConvoFunctions.Cli.Local;

/// <summary>
/// The quickstart's call, from <c>samples/</c> (embedded in the CLI, so <c>serve --demo</c> works from any folder): the
/// real conversation whose webhook <c>convo send samples/post-call-transcription.json</c> posts, and its blank sibling,
/// which sends no webhook and only the API knows. Both are moved in time so that the call ended just now, seconds apart
/// as in the samples, and the sweep's window holds them.
/// </summary>
internal static class DemoSamples
{
    public const string Transcription = "post-call-transcription.json";
    public const string BlankSibling = "conversation-blank-sibling.json";
    public const string RealConversationId = "conv_sample_real_01";
    public const string BlankConversationId = "conv_sample_blank_01";

    /// <summary>The two conversations in the detail endpoint's shape, the real one first.</summary>
    public static IReadOnlyList<JsonObject> Conversations(DateTimeOffset now)
    {
        var real = Read(Transcription)["data"]!.AsObject();
        var blank = Read(BlankSibling);
        var start = (long)real["metadata"]!["start_time_unix_secs"]!;
        var duration = (long)(double)real["metadata"]!["call_duration_secs"]!;
        var shift = now.ToUnixTimeSeconds() - duration - 10 - start;
        return [Shift(real, shift), Shift(blank, shift)];
    }

    private static JsonObject Shift(JsonObject conversation, long seconds)
    {
        var copy = (JsonObject)conversation.DeepClone();
        var metadata = copy["metadata"]!.AsObject();
        foreach (var name in new[] { "start_time_unix_secs", "accepted_time_unix_secs" })
        {
            if (metadata[name] is JsonValue value && value.TryGetValue<long>(out var time)) metadata[name] = time + seconds;
        }
        return copy;
    }

    private static JsonObject Read(string name)
    {
        using var stream = typeof(DemoSamples).Assembly.GetManifestResourceStream("samples/" + name)
            ?? throw new InvalidOperationException($"samples/{name} is not embedded in the CLI.");
        return JsonNode.Parse(stream)!.AsObject();
    }
}

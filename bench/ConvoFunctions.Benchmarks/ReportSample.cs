using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli;
using ConvoFunctions.Cli.Local;

namespace ConvoFunctions.Benchmarks;

/// <summary>
/// The sample HTML audit report for docs/ (docs/render-report-screenshot.sh): two weeks of made-up calls (fixed seed) in
/// the loopback ElevenLabs stand-in, some with a blank sibling or a second real conversation, audited by the production
/// <c>convo audit --format html</c> path through the real API client.
/// </summary>
internal static class ReportSample
{
    private const string ApiKey = "xi_report_sample";

    public static async Task<int> RunAsync(string outputFile)
    {
        await using var api = await ElevenLabsStandIn.StartAsync(ApiKey);
        var random = new Random(13);
        var now = DateTimeOffset.UtcNow;
        var call = 0;
        for (var day = 13; day >= 0; day--)
        {
            var calls = random.Next(15, 45);
            for (var i = 0; i < calls; i++)
            {
                var start = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-day).AddMinutes(random.Next(8 * 60, 18 * 60));
                if (start > now) start = now.AddMinutes(-random.Next(5, 60));
                var sid = $"CA{++call:D32}";
                var agent = random.Next(3) == 0 ? "agent_sales_line" : "agent_support_line";
                api.Add(Conversation($"conv_{call:D5}a", agent, sid, start, blank: false));
                var draw = random.NextDouble();
                if (draw < 0.06) api.Add(Conversation($"conv_{call:D5}b", agent, sid, start.AddSeconds(random.Next(1, 8)), blank: true));
                else if (draw < 0.075) api.Add(Conversation($"conv_{call:D5}b", agent, sid, start.AddSeconds(random.Next(30, 90)), blank: false));
            }
        }

        var settings = Path.Combine(Path.GetTempPath(), $"convo-report-sample-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new { Values = new Dictionary<string, string> { ["ElevenLabs__ApiKey"] = ApiKey } }));
        try
        {
            await using var writer = new StreamWriter(outputFile);
            var code = await AuditCommand.RunAsync("14d", null, "html", api.BaseAddress, settings, writer, Console.Error, CancellationToken.None);
            Console.WriteLine($"wrote {outputFile}");
            return code is 0 or ConvoFunctions.Cli.Failures.ExitCodes.DuplicatesFound ? 0 : code;
        }
        finally
        {
            File.Delete(settings);
        }
    }

    /// <summary>A Twilio conversation in the detail endpoint's shape, real or blank (the report sample's and its test's data).</summary>
    internal static JsonObject Conversation(string id, string agent, string callSid, DateTimeOffset start, bool blank) => new()
    {
        ["agent_id"] = agent,
        ["conversation_id"] = id,
        ["status"] = blank ? "failed" : "done",
        ["transcript"] = blank ? new JsonArray() : new JsonArray(new JsonObject { ["role"] = "agent", ["message"] = "Hello" }),
        ["metadata"] = new JsonObject
        {
            ["start_time_unix_secs"] = start.ToUnixTimeSeconds(),
            ["call_duration_secs"] = blank ? 0 : 95,
            ["termination_reason"] = blank ? null : "Call ended by remote party",
            ["phone_call"] = new JsonObject
            {
                ["type"] = "twilio", ["direction"] = "inbound", ["external_number"] = "+447700900123", ["agent_number"] = "+442079460000", ["call_sid"] = callSid,
            },
        },
        ["has_audio"] = !blank,
        ["has_user_audio"] = !blank,
        ["has_response_audio"] = !blank,
        ["has_auxiliary_audio"] = false,
    };
}

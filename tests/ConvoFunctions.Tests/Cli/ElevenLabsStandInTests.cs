using System.Net;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Cli;

/// <summary>The one ElevenLabs stand-in (demo, tests, harness, benchmarks): its small API behaves as the others rely on.</summary>
public sealed class ElevenLabsStandInTests
{
    private const string Key = "xi_stand_in_test_key";

    [Fact]
    public async Task A_script_answers_by_attempt_then_the_seeded_conversation_answers_and_every_request_is_counted()
    {
        await using var api = await ElevenLabsStandIn.StartAsync(Key);
        api.Add(Samples.RealJson());
        api.Script("conv_sample_real_01", attempt => attempt == 1 ? StandInAnswer.Error(429, "too_many_concurrent_requests", retryAfter: 1) : null);
        using var http = Client(api, Key);

        using var first = await http.GetAsync("v1/convai/conversations/conv_sample_real_01");
        using var second = await http.GetAsync("v1/convai/conversations/conv_sample_real_01");
        using var unknown = await http.GetAsync("v1/convai/conversations/conv_unknown");

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal("1", first.Headers.RetryAfter?.ToString());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("conv_sample_real_01", (string?)JsonNode.Parse(await second.Content.ReadAsStringAsync())!["conversation_id"]);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(2, api.Attempts("conv_sample_real_01"));
        Assert.Equal(3, api.Count("/v1/convai/conversations/"));
        Assert.All(api.Requests, r => Assert.Equal(Key, r.Headers["xi-api-key"]));
    }

    [Fact]
    public async Task A_request_without_the_key_is_401_and_the_list_pages_newest_first_within_the_filters()
    {
        await using var api = await ElevenLabsStandIn.StartAsync(Key);
        foreach (var (id, start) in new[] { ("conv_a", 1000L), ("conv_b", 2000L), ("conv_c", 3000L), ("conv_old", 10L) })
        {
            api.Add(Samples.Variant(Samples.RealJson(), id, start, "CA" + id));
        }
        api.PageSize = 2;
        using var http = Client(api, Key);

        using var anonymous = await Client(api, "wrong").GetAsync("v1/convai/conversations");
        var page1 = JsonNode.Parse(await http.GetStringAsync("v1/convai/conversations?call_start_after_unix=500&page_size=30"))!;
        var page2 = JsonNode.Parse(await http.GetStringAsync($"v1/convai/conversations?call_start_after_unix=500&cursor={(string?)page1["next_cursor"]}"))!;

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(["conv_c", "conv_b"], Ids(page1));
        Assert.True((bool)page1["has_more"]!);
        Assert.Equal(["conv_a"], Ids(page2));
        Assert.False((bool)page2["has_more"]!);
    }

    [Fact]
    public async Task Random_faults_repeat_with_the_same_seed_and_are_counted()
    {
        var faults = new StandInFaults(Throttled: 0.3, Failed: 0.3, Seed: 11);
        var statuses = new List<int[]>();
        foreach (var _ in new[] { 1, 2 })
        {
            await using var api = await ElevenLabsStandIn.StartAsync(Key, faults);
            api.Add(Samples.RealJson());
            using var http = Client(api, Key);
            var run = new int[40];
            for (var i = 0; i < run.Length; i++)
            {
                using var response = await http.GetAsync("v1/convai/conversations/conv_sample_real_01");
                run[i] = (int)response.StatusCode;
            }
            statuses.Add(run);
            Assert.Contains("answered 429", api.Summary, StringComparison.Ordinal);
        }

        Assert.Equal(statuses[0], statuses[1]);
        Assert.Contains(429, statuses[0]);
        Assert.Contains(500, statuses[0]);
        Assert.Contains(200, statuses[0]);
    }

    private static HttpClient Client(ElevenLabsStandIn api, string key)
    {
        var http = new HttpClient { BaseAddress = api.BaseAddress };
        http.DefaultRequestHeaders.Add("xi-api-key", key);
        return http;
    }

    private static string[] Ids(JsonNode page) => [.. page["conversations"]!.AsArray().Select(c => (string)c!["conversation_id"]!)];
}

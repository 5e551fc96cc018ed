using System.Text.Json;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Http.Resilience;

namespace ConvoFunctions.Tests.Enrichment;

public sealed class EnrichmentConfigurationTests
{
    [Fact]
    public void Host_json_max_dequeue_count_is_the_constant_the_code_uses()
    {
        string? path = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && path is null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "host.json");
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "ConvoFunctions.sln"))) path = candidate;
        }
        Assert.NotNull(path);
        using var host = JsonDocument.Parse(File.ReadAllText(path));
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");

        Assert.Equal(QueueSettings.MaxDequeueCount, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
    }

    [Fact]
    public void Resilience_waits_out_retry_after_and_keeps_production_defaults()
    {
        var resilience = new HttpStandardResilienceOptions();
        ElevenLabsServiceCollectionExtensions.Tune(resilience, new ElevenLabsOptions());

        Assert.True(resilience.Retry.ShouldRetryAfterHeader);
        Assert.Equal(4, resilience.Retry.MaxRetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), resilience.Retry.Delay);
        Assert.Equal(TimeSpan.FromSeconds(10), resilience.AttemptTimeout.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(60), resilience.TotalRequestTimeout.Timeout);
    }
}

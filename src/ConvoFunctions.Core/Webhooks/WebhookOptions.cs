using System.ComponentModel.DataAnnotations;

namespace ConvoFunctions.Webhooks;

/// <summary>Settings under <c>Webhooks:</c>: how strict the ingest endpoint is.</summary>
internal sealed class WebhookOptions
{
    /// <summary>How far the signature timestamp may lie from our clock, either way (ElevenLabs uses 30 minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SignatureTolerance { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Largest body accepted; audio webhooks carry the whole call as base64.</summary>
    [Range(1024, 100L * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 50L * 1024 * 1024;
}

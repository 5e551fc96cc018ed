namespace ConvoFunctions.Initiation;

/// <summary>
/// Settings under <c>Initiation:</c>: how the call-start route answers. Not validated at start-up on purpose: a
/// mistake here turns the part it concerns off (see <see cref="InitiationSettings"/>) instead of stopping the app,
/// because the same host serves the post-call webhook.
/// </summary>
internal sealed class InitiationOptions
{
    public static readonly TimeSpan DefaultUpstreamTimeout = TimeSpan.FromSeconds(2);

    /// <summary>An existing personalization webhook to forward each request to (proxy mode); empty answers the defaults.</summary>
    public string? UpstreamUrl { get; set; }

    /// <summary>A JSON object of header names and values sent to the upstream (it may carry the upstream's credentials).</summary>
    public string? UpstreamHeaders { get; set; }

    /// <summary>The whole budget of one request: the upstream's answer and the table write both end within it.</summary>
    public TimeSpan UpstreamTimeout { get; set; } = DefaultUpstreamTimeout;

    /// <summary>The <c>dynamic_variables</c> object answered when there is no upstream or it fails.</summary>
    public string? DefaultDynamicVariables { get; set; } = "{}";
}

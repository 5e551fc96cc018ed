namespace ConvoFunctions.Benchmarks.Reliability;

/// <summary>Knobs of one reliability run; every loop they drive is bounded by count and by <see cref="Deadline"/>.</summary>
internal sealed record ReliabilityOptions
{
    public int Webhooks { get; init; } = 2000;
    public int Concurrency { get; init; } = 32;
    public int Seed { get; init; } = 7;

    /// <summary>Share of calls with a blank sibling conversation (the duplicate the product exists for).</summary>
    public double DuplicateShare { get; init; } = 0.3;
    public double RedeliveryShare { get; init; } = 0.05;
    public double AudioShare { get; init; } = 0.1;
    public int AudioBytes { get; init; } = 300 * 1024;
    public double InitiationFailureShare { get; init; } = 0.05;

    /// <summary>Share of forged, stale, oversized and malformed requests; each must get its 4xx and store nothing.</summary>
    public double BadInputShare { get; init; } = 0.05;

    /// <summary>Ingest limit given to the served app, small so that oversized requests stay cheap.</summary>
    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Azurite is stopped this long once half the webhooks are sent; zero disables the fault.</summary>
    public TimeSpan StorageOutage { get; init; } = TimeSpan.FromSeconds(4);

    public double Api429Share { get; init; } = 0.05;
    public double Api500Share { get; init; } = 0.05;
    public double ApiSlowShare { get; init; } = 0.01;
    public TimeSpan ApiLatency { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Share of alert POSTs the Teams and ACS stand-ins answer 500 (retried by the next sweep, never doubled).</summary>
    public double AlertChannelFailureShare { get; init; } = 0.1;

    /// <summary>Hard stop for the whole run.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(15);
}

using System.Diagnostics.Metrics;

namespace ConvoFunctions.Initiation;

/// <summary>Counters of the initiation route, for dashboards and alerts on lost anchors.</summary>
internal sealed class InitiationMetrics
{
    public const string MeterName = "ConvoFunctions.Initiation";

    private readonly Counter<long> _answered;
    private readonly Counter<long> _recordFailures;

    public InitiationMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _answered = meter.CreateCounter<long>("convo.initiation.answered", description: "Initiation requests answered, by answer source.");
        _recordFailures = meter.CreateCounter<long>("convo.initiation.record_failures", description: "Initiation requests answered but not recorded (storage down or slow).");
    }

    public void Answered(string source) => _answered.Add(1, new KeyValuePair<string, object?>("source", source));

    public void RecordFailed() => _recordFailures.Add(1);
}

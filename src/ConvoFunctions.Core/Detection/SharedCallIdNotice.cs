using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Detection;

/// <summary>
/// Says once per process that conversations of separate calls share a call id (<see cref="GroupingRules.MaxCallSpan"/>):
/// a constant <c>system__call_sid</c> or a reused SIP id is a fault worth fixing at its source, but a line per sweep
/// would bury everything else.
/// </summary>
internal sealed partial class SharedCallIdNotice(ILogger<SharedCallIdNotice> logger)
{
    private const int MaxRemembered = 10_000;
    private readonly ConcurrentDictionary<string, bool> _noticed = new(StringComparer.Ordinal);

    public void Notice(IEnumerable<string> callIds)
    {
        foreach (var id in callIds)
        {
            if (_noticed.Count >= MaxRemembered || !_noticed.TryAdd(id, true)) continue;
            LogShared(id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call id {call_id} is shared by conversations of separate calls (further apart than Detection:MaxCallSpan, or another id's call further apart than Detection:FuzzyGap): they are judged as separate calls. Check what sets this id (a constant system__call_sid, a reused SIP Call-ID). Logged once.")]
    private partial void LogShared(string call_id);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Conversations;

/// <summary>
/// Says once per process that ElevenLabs named an initiation source this build does not know: such a conversation is
/// still recorded and grouped by its call ids, but never taken for a probable sibling, and someone should teach the
/// build its kind. Once, because at thousands of calls an hour a line per conversation would bury everything else.
/// </summary>
internal sealed partial class InitiationSourceNotice(ILogger<InitiationSourceNotice> logger)
{
    private readonly ConcurrentDictionary<string, bool> _noticed = new(StringComparer.OrdinalIgnoreCase);

    public void Notice(string? source, string conversationId)
    {
        if (InitiationSources.IsKnown(source) || !_noticed.TryAdd(source!.Trim(), true)) return;
        LogUnknown(source.Trim(), conversationId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Initiation source {initiation_source} (conversation {conversation_id}) is not one this build knows: its conversations are grouped by their call ids but never taken for a probable sibling. Logged once per source.")]
    private partial void LogUnknown(string initiation_source, string conversation_id);
}

using System.Globalization;
using ConvoFunctions.Detection;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ConvoFunctions.Cli.Reports;

/// <summary>The per-conversation columns that <c>convo audit</c> and <c>convo calls</c> both show, after their per-call ones.</summary>
internal static class ConversationCells
{
    public static IEnumerable<IRenderable> Of(ObservedConversation c) =>
    [
        // Text cells, not markup: ids and statuses come from the API and may hold '['.
        new Text(c.ConversationId),
        new Text(c.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
        new Text(c.Status),
        new Text(c.DurationSecs.ToString(CultureInfo.InvariantCulture) + " s"),
        new Text(c.HasAudio ? "yes" : "no"),
        new Text(c.MessageCount.ToString(CultureInfo.InvariantCulture)),
        new Text(c.IsBlank ? "blank" : "real"),
    ];
}

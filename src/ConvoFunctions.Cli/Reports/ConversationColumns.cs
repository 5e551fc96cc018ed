using System.Globalization;
using ConvoFunctions.Detection;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ConvoFunctions.Cli.Reports;

/// <summary>The per-conversation columns that <c>convo audit</c> and <c>convo calls</c> both show, after their per-call ones.</summary>
internal static class ConversationColumns
{
    /// <summary>Table cells.</summary>
    public static IEnumerable<IRenderable> Cells(ObservedConversation c) =>
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

    /// <summary>JSON fields, in this order (a dictionary keeps it), for the caller to add its own after them.</summary>
    public static Dictionary<string, object?> Json(ObservedConversation c) => new()
    {
        ["conversation_id"] = c.ConversationId,
        ["start_time"] = c.StartTime.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
        ["status"] = c.Status,
        ["duration_secs"] = c.DurationSecs,
        ["has_audio"] = c.HasAudio,
        ["messages"] = c.MessageCount,
        ["blank"] = c.IsBlank,
    };
}

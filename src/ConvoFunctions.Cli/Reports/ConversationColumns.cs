using System.Globalization;
using ConvoFunctions.Detection;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ConvoFunctions.Cli.Reports;

/// <summary>The per-conversation columns that <c>convo audit</c> and <c>convo calls</c> both show, after their per-call ones.</summary>
internal static class ConversationColumns
{
    /// <summary>The headers of <see cref="Cells"/>.</summary>
    public static readonly string[] Headers = ["conversation", "start (UTC)", "status", "duration", "audio", "msgs", "", "source"];

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
        new Text(c.Origin.Describe()),
    ];

    /// <summary>The headers of <see cref="Csv"/>.</summary>
    public static readonly string[] CsvHeaders = ["conversation_id", "start_time_utc", "status", "duration_secs", "has_audio", "messages", "blank", "source"];

    /// <summary>CSV fields.</summary>
    public static IEnumerable<string> Csv(ObservedConversation c) =>
    [
        c.ConversationId,
        c.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        c.Status,
        c.DurationSecs.ToString(CultureInfo.InvariantCulture),
        c.HasAudio ? "true" : "false",
        c.MessageCount.ToString(CultureInfo.InvariantCulture),
        c.IsBlank ? "true" : "false",
        c.Origin.Describe(),
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
        ["initiation_source"] = c.Origin.Source,
        ["initiation_source_version"] = c.Origin.SourceVersion,
        ["authorization_method"] = c.Origin.AuthorizationMethod,
    };
}

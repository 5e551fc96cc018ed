using System.Text.Json.Nodes;

namespace ConvoFunctions.Webhooks;

/// <summary>RFC 9457 problem+json bodies of the HTTP routes; the detail never carries a secret.</summary>
internal static class ProblemJson
{
    public const string ContentType = "application/problem+json";

    public static string Create(string title, int status, string detail, string? check = null)
    {
        var json = new JsonObject
        {
            ["type"] = "about:blank",
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
        };
        if (check is not null) json["check"] = check;
        return json.ToJsonString();
    }
}

using System.Globalization;
using System.Net;
using System.Text;

namespace ConvoFunctions.Alerts;

/// <summary>The subject, HTML and plain-text bodies of an alert email. Every value is HTML-encoded.</summary>
internal sealed record EmailBody(string Subject, string Html, string PlainText)
{
    public static EmailBody For(Alert alert)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(E(alert.Title)).Append("</title></head>");
        html.Append("<body style=\"font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#201f1e;margin:16px\">");
        html.Append("<h2 style=\"color:").Append(alert.Kind is Alert.DuplicateKind or Alert.NoConversationKind ? "#a4262c" : "#8a6d00").Append(";margin:0 0 8px\">")
            .Append(E(alert.Title)).Append("</h2>");
        html.Append("<p style=\"margin:0 0 12px\">").Append(E(alert.Summary)).Append("</p>");
        html.Append("<table style=\"border-collapse:collapse;margin:0 0 16px\">");
        foreach (var f in alert.Facts)
        {
            html.Append("<tr><th style=\"text-align:left;padding:2px 12px 2px 0;color:#605e5c\">").Append(E(f.Name))
                .Append("</th><td style=\"padding:2px 0\">").Append(E(f.Value)).Append("</td></tr>");
        }
        html.Append("</table>");

        if (alert.Conversations.Count > 0)
        {
            const string th = "<th style=\"text-align:left;padding:6px 10px;border:1px solid #c8c6c4;background:#f3f2f1\">";
            const string td = "<td style=\"padding:6px 10px;border:1px solid #c8c6c4\">";
            html.Append("<table style=\"border-collapse:collapse;margin:0 0 16px\"><thead><tr>");
            foreach (var h in new[] { "Conversation", "Status", "Start (UTC)", "Duration", "has_audio", "Termination", "Source" }) html.Append(th).Append(E(h)).Append("</th>");
            html.Append("</tr></thead><tbody>");
            foreach (var c in alert.Conversations)
            {
                html.Append("<tr>")
                    .Append(td).Append("<a href=\"").Append(E(c.Url)).Append("\">").Append(E(c.ConversationId)).Append("</a>")
                    .Append(c.Blank ? " <strong style=\"color:#a4262c\">(blank)</strong>" : "").Append("</td>")
                    .Append(td).Append(E(c.Status))
                    .Append(string.IsNullOrEmpty(c.Evidence) ? "" : "<br><span style=\"font-size:12px;color:#605e5c\">" + E(c.Evidence) + "</span>")
                    .Append("</td>")
                    .Append(td).Append(E(c.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))).Append("</td>")
                    .Append(td).Append(c.DurationSecs.ToString(CultureInfo.InvariantCulture)).Append(" s</td>")
                    .Append(td).Append(c.HasAudio ? "true" : "false").Append("</td>")
                    .Append(td).Append(E(string.IsNullOrEmpty(c.TerminationReason) ? "—" : c.TerminationReason)).Append("</td>")
                    .Append(td).Append(E(c.Origin ?? "unknown")).Append("</td>")
                    .Append("</tr>");
            }
            html.Append("</tbody></table>");
        }

        html.Append("<h3 style=\"margin:0 0 6px\">Support report (ready to send)</h3>");
        html.Append("<pre style=\"font-family:Consolas,Menlo,monospace;font-size:12px;background:#f3f2f1;padding:12px;border-radius:4px;white-space:pre-wrap\">")
            .Append(E(alert.SupportReport)).Append("</pre>");
        html.Append("</body></html>");

        var text = new StringBuilder();
        text.AppendLine(alert.Title).AppendLine().AppendLine(alert.Summary).AppendLine();
        foreach (var f in alert.Facts) text.Append(f.Name).Append(": ").AppendLine(f.Value);
        if (alert.Conversations.Count > 0)
        {
            text.AppendLine().AppendLine("Conversations:");
            foreach (var c in alert.Conversations)
            {
                text.Append("- ").Append(c.ConversationId).Append(c.Blank ? " (blank)" : "")
                    .Append(", ").Append(c.Status)
                    .Append(string.IsNullOrEmpty(c.Evidence) ? "" : " (" + c.Evidence + ")")
                    .Append(", ").Append(c.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(" UTC")
                    .Append(", ").Append(c.DurationSecs.ToString(CultureInfo.InvariantCulture)).Append(" s")
                    .Append(", has_audio ").Append(c.HasAudio ? "true" : "false")
                    .Append(", source ").Append(c.Origin ?? "unknown")
                    .Append(", ").AppendLine(c.Url);
            }
        }
        text.AppendLine().AppendLine("Support report (ready to send):").AppendLine().AppendLine(alert.SupportReport);

        return new EmailBody("[ConvoFunctions] " + alert.Title, html.ToString(), text.ToString());
    }
}

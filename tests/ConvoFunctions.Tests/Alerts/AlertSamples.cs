using ConvoFunctions.Alerts;
using ConvoFunctions.Tests.Infrastructure;

namespace ConvoFunctions.Tests.Alerts;

/// <summary>Writes the sample card and email to docs/ for the screenshots (CONVO_WRITE_SAMPLES=1).</summary>
public sealed class AlertSamples
{
    [OptInFact("CONVO_WRITE_SAMPLES")]
    public void Write_sample_card_and_email()
    {
        var docs = RepoFolder("docs");
        var alert = TeamsCardTests.SampleAlert();
        File.WriteAllText(Path.Combine(docs, "alert-teams-message.json"), TeamsCard.Serialize(TeamsCard.Message(alert)) + "\n");
        var email = EmailBody.For(alert);
        File.WriteAllText(Path.Combine(docs, "alert-email.html"), email.Html + "\n");
        File.WriteAllText(Path.Combine(docs, "alert-email.txt"), email.PlainText);
    }

    private static string RepoFolder(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ConvoFunctions.sln"))) return Directory.CreateDirectory(Path.Combine(dir.FullName, name)).FullName;
        }
        throw new DirectoryNotFoundException("Repository root not found.");
    }
}

using ConvoFunctions.Alerts;
using ConvoFunctions.Detection;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Tests.Alerts;

/// <summary>Status, acceptance, the platform's error and whether the caller spoke, shown under each conversation.</summary>
public sealed class ConversationEvidenceTests
{
    [Fact]
    public void Card_email_and_report_show_acceptance_error_and_the_caller_with_numbers_masked()
    {
        var failed = Samples.Blank with
        {
            Status = "failed",
            ErrorCode = 1002,
            ErrorReason = "Outbound leg to +44 7700 900123 was rejected",
        };
        var accepted = Samples.Real with { AcceptedTime = Samples.Real.StartTime.AddSeconds(1) };
        var group = DuplicateGrouper.Group([accepted, failed], TimeSpan.FromMinutes(2)).Single();

        var alert = new AlertFactory(Options.Create(new AlertOptions())).ForDuplicate(group, group.Key, null, Samples.ReadAt);
        var email = EmailBody.For(alert);
        var card = TeamsCard.Serialize(TeamsCard.Message(alert));

        const string blankEvidence = "never accepted; error 1002: Outbound leg to +44******0123 was rejected; caller messages 0, user audio no";
        Assert.Equal(blankEvidence, alert.Conversations.Single(c => c.Blank).Evidence);
        Assert.StartsWith("accepted 15:00:01 UTC; caller messages ", alert.Conversations.Single(c => !c.Blank).Evidence);
        foreach (var text in new[] { card, email.PlainText, alert.SupportReport })
        {
            Assert.Contains(blankEvidence, text);
            Assert.DoesNotContain("900123 was", text);
        }
        Assert.Contains(System.Net.WebUtility.HtmlEncode(blankEvidence), email.Html);
    }

    [Fact]
    public void A_source_that_did_not_say_whether_it_was_accepted_claims_nothing()
    {
        var fromOldRow = Samples.Blank with { Accepted = null, HasUserAudio = null, UserMessageCount = null };
        Assert.Equal("caller messages unknown, user audio unknown", ConversationEvidence.Of(fromOldRow));
    }
}

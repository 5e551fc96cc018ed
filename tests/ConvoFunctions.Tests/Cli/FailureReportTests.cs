using ConvoFunctions.Cli.Failures;

namespace ConvoFunctions.Tests.Cli;

/// <summary>The parts of the failure mapping that no usual mistake reaches through the real entry point.</summary>
public sealed class FailureReportTests
{
    [Fact]
    public void An_unknown_exception_is_one_line_saying_it_is_a_bug_and_how_to_see_more()
    {
        var failure = FailureReport.Describe(new NullReferenceException("Object reference not set to an instance of an object."), "send");

        Assert.Equal(ExitCodes.Bug, failure.ExitCode);
        Assert.Contains("bug", failure.Message);
        Assert.Contains("--verbose", failure.Message);
        Assert.Contains(FailureReport.VerboseEnvironmentVariable, failure.Message);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Fact]
    public void A_known_failure_inside_an_aggregate_speaks_for_it()
    {
        var aggregate = new AggregateException(new InvalidCastException(), new FileNotFoundException("gone", "/tmp/x.json"));

        var failure = FailureReport.Describe(aggregate, "send");

        Assert.Equal(ExitCodes.Usage, failure.ExitCode);
        Assert.Equal("File not found: /tmp/x.json", failure.Message);
    }

    [Theory]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net", "c2VjcmV0")]
    [InlineData("https://prod.westeurope.logic.azure.com/workflows/1/triggers/manual/run?api-version=2016-06-01&sig=abcSECRET", "abcSECRET")]
    public void Credentials_that_reach_a_message_are_masked(string text, string secret)
    {
        var failure = FailureReport.Describe(new HttpRequestException($"Failed for {text}"), "audit");

        Assert.DoesNotContain(secret, failure.Message);
        Assert.Contains("***", failure.Message);
    }

    [Fact]
    public void A_placeholder_is_not_mistaken_for_a_credential() =>
        Assert.Equal("AccountKey=<key>", FailureReport.Redact("AccountKey=<key>"));
}

using ConvoFunctions.Cli;

namespace ConvoFunctions.Tests.Cli;

/// <summary>URL options parse through the real command line (System.CommandLine cannot convert a Uri by itself).</summary>
public sealed class UriOptionTests
{
    [Theory]
    [InlineData("send", "x.json", "--url")]
    [InlineData("audit", null, "--base-url")]
    public void Url_options_parse_and_reject_relative_text(string verb, string? argument, string option)
    {
        string[] prefix = argument is null ? [verb] : [verb, argument];

        var good = ConvoCommand.Create().Parse([.. prefix, option, "http://127.0.0.1:8080/api"]);
        var bad = ConvoCommand.Create().Parse([.. prefix, option, "not a url"]);

        Assert.Empty(good.Errors);
        Assert.Equal(new Uri("http://127.0.0.1:8080/api"), good.GetValue<Uri?>(option));
        Assert.Contains(bad.Errors, e => e.Message.Contains($"{option} must be an absolute URL"));
    }
}

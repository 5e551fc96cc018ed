using System.Text.Json;
using System.Text.Json.Nodes;
using ConvoFunctions.Cli;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace ConvoFunctions.Tests.Alerts;

/// <summary><c>convo test-alert</c> against loopback stand-ins for a Teams workflow and Azure Communication Services.</summary>
public sealed class TestAlertCommandTests : IDisposable
{
    private const string TeamsSignature = "sig=teams-secret-signature";
    private readonly string _folder = Directory.CreateTempSubdirectory("convo-test-alert-").FullName;

    [Fact]
    public async Task Every_channel_accepting_exits_0_and_the_email_line_carries_the_operations_final_status()
    {
        await using var teams = await LoopbackServer.StartAsync((context, _) => Answer(context, 202));
        await using var acs = await AcsAsync(finalStatus: "Succeeded");

        var (exit, output) = await RunAsync(teams.BaseAddress, acs.BaseAddress);

        Assert.Equal(0, exit);
        Assert.Matches(@"teams\W+OK\W", output);
        Assert.Matches(@"email\W+OK\W+ACS operation op-1: Succeeded", output);
        var card = JsonNode.Parse(Assert.Single(teams.Requests).Body)!.ToJsonString();
        Assert.Contains("TEST: ConvoFunctions alert check", card, StringComparison.Ordinal);
        var send = acs.Requests[0];
        Assert.Equal("POST", send.Method);
        Assert.Contains("TEST: ConvoFunctions alert check", JsonNode.Parse(send.Body)!["content"]!["subject"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("HMAC-SHA256 ", send.Headers["Authorization"], StringComparison.Ordinal);
        // Polled until final: one Running answer, then Succeeded.
        Assert.Equal(["GET", "GET"], acs.Requests.Skip(1).Select(r => r.Method));
        Assert.All(acs.Requests.Skip(1), r => Assert.StartsWith("/emails/operations/op-1?api-version=", r.PathAndQuery, StringComparison.Ordinal));
        Assert.DoesNotContain(TeamsSignature, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_that_rejects_exits_1_and_names_the_answer_without_the_webhook_url()
    {
        await using var teams = await LoopbackServer.StartAsync((context, _) => Answer(context, 400));
        await using var acs = await AcsAsync(finalStatus: "Succeeded");

        var (exit, output) = await RunAsync(teams.BaseAddress, acs.BaseAddress);

        Assert.Equal(TestAlertCommand.NotAccepted, exit);
        Assert.Matches(@"teams\W+FAIL\W+rejected: Teams Workflows answered 400", output);
        Assert.Matches(@"email\W+OK\W", output);
        Assert.DoesNotContain(TeamsSignature, output, StringComparison.Ordinal);
        Assert.DoesNotContain(teams.BaseAddress.Authority, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ACS_operation_that_fails_after_its_202_exits_1_with_its_error()
    {
        await using var teams = await LoopbackServer.StartAsync((context, _) => Answer(context, 202));
        await using var acs = await AcsAsync(finalStatus: "Failed");

        var (exit, output) = await RunAsync(teams.BaseAddress, acs.BaseAddress);

        Assert.Equal(TestAlertCommand.NotAccepted, exit);
        Assert.Matches(@"teams\W+OK\W", output);
        Assert.Matches(@"email\W+FAIL\W+ACS operation op-1: Failed \(EmailDroppedAllRecipientsSuppressed: ", output);
    }

    [Fact]
    public async Task An_ACS_202_without_a_body_is_followed_through_its_Operation_Location()
    {
        await using var acs = await AcsAsync(finalStatus: "Succeeded", sendBody: false);

        var (exit, output) = await RunAsync(teams: null, acs.BaseAddress);

        Assert.Equal(0, exit);
        Assert.Matches(@"email\W+OK\W+ACS operation op-1: Succeeded", output);
    }

    [Fact]
    public async Task An_ACS_send_refused_outright_is_rejected()
    {
        await using var acs = await LoopbackServer.StartAsync((context, _) => Answer(context, 401));

        var (exit, output) = await RunAsync(teams: null, acs.BaseAddress);

        Assert.Equal(TestAlertCommand.NotAccepted, exit);
        Assert.Matches(@"email\W+FAIL\W+rejected: Azure Communication Services answered 401", output);
        Assert.DoesNotContain("teams", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_configured_channel_says_which_settings_to_set_and_exits_2()
    {
        var (exit, output) = await RunAsync(teams: null, acs: null);

        Assert.Equal(TestAlertCommand.NothingConfigured, exit);
        Assert.Contains("Alerts__Teams__WebhookUrl", output, StringComparison.Ordinal);
    }

    /// <summary>ACS: 202 with the operation id, then one poll answers Running (Retry-After 0), the next the final status.</summary>
    private static Task<LoopbackServer> AcsAsync(string finalStatus, bool sendBody = true)
    {
        var polls = 0;
        return LoopbackServer.StartAsync(async (context, request) =>
        {
            if (request.Method == "POST")
            {
                context.Response.Headers["Operation-Location"] = $"{context.Request.Scheme}://{context.Request.Host}/emails/operations/op-1?api-version=2023-03-31";
                await Answer(context, 202, sendBody ? new { id = "op-1", status = "Running" } : null);
                return;
            }
            if (Interlocked.Increment(ref polls) == 1)
            {
                context.Response.Headers.RetryAfter = "0";
                await Answer(context, 200, new { id = "op-1", status = "Running" });
                return;
            }
            await Answer(context, 200, finalStatus == "Failed"
                ? new { id = "op-1", status = finalStatus, error = (object?)new { code = "EmailDroppedAllRecipientsSuppressed", message = "All recipients are suppressed." } }
                : new { id = "op-1", status = finalStatus, error = (object?)null });
        });
    }

    private static async Task Answer(HttpContext context, int status, object? body = null)
    {
        context.Response.StatusCode = status;
        if (body is not null) await context.Response.WriteAsJsonAsync(body);
    }

    private async Task<(int Exit, string Output)> RunAsync(Uri? teams, Uri? acs)
    {
        var values = new Dictionary<string, string>();
        if (teams is not null) values["Alerts__Teams__WebhookUrl"] = $"{teams}workflows/run?{TeamsSignature}";
        if (acs is not null)
        {
            values["Alerts__Email__Endpoint"] = acs.ToString();
            values["Alerts__Email__AccessKey"] = Convert.ToBase64String("loopback-acs-key"u8.ToArray());
            values["Alerts__Email__Sender"] = "DoNotReply@example.test";
            values["Alerts__Email__Recipients"] = "ops@example.test";
        }
        var settings = Path.Combine(_folder, $"{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new { Values = values }));
        var output = new StringWriter();
        var exit = await TestAlertCommand.RunAsync(settings, TimeSpan.FromSeconds(10), output, CancellationToken.None);
        return (exit, output.ToString());
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}

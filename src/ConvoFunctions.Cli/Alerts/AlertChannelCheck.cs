using ConvoFunctions.Alerts;

namespace ConvoFunctions.Cli.Alerts;

/// <summary>What one channel did with the test alert.</summary>
internal sealed record ChannelCheck(string Channel, bool Accepted, string Detail);

/// <summary>
/// Sends one test alert through every configured channel, with the app's own channel classes and settings, and reports
/// per channel whether it was accepted; for email that is the ACS operation's final status, not only its 202.
/// </summary>
internal sealed class AlertChannelCheck(TeamsChannel teams, EmailChannel email, TimeProvider time)
{
    public bool AnyConfigured => teams.IsEnabled || email.IsEnabled;

    public async Task<IReadOnlyList<ChannelCheck>> RunAsync(TimeSpan emailTimeout, CancellationToken cancellationToken)
    {
        var alert = AlertFactory.ForTest(time.GetUtcNow());
        var results = new List<ChannelCheck>();
        if (teams.IsEnabled)
        {
            results.Add(await CheckAsync(teams.Name, async () =>
            {
                await teams.SendAsync(alert, cancellationToken);
                return new ChannelCheck(teams.Name, true, "accepted by the Teams workflow");
            }));
        }
        if (email.IsEnabled)
        {
            results.Add(await CheckAsync(email.Name, async () =>
            {
                var operation = await email.WaitAsync(await email.SubmitAsync(alert, cancellationToken), emailTimeout, cancellationToken);
                var detail = $"ACS operation {operation.Id}: {operation.Status}" + (operation.Error is { } e ? $" ({e})" : "");
                return new ChannelCheck(email.Name, operation.Succeeded,
                    operation.IsFinal ? detail : detail + $", not final after {emailTimeout.TotalSeconds:0} s");
            }));
        }
        return results;
    }

    private static async Task<ChannelCheck> CheckAsync(string channel, Func<Task<ChannelCheck>> send)
    {
        try
        {
            return await send();
        }
        catch (AlertChannelException ex)
        {
            // The channel's own message: safe to print (no webhook URL, no key).
            return new ChannelCheck(channel, false, "rejected: " + ex.Message);
        }
    }
}

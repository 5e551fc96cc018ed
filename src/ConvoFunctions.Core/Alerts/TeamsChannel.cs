using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Alerts;

/// <summary>Posts the Adaptive Card to a Teams Workflows webhook (typed <see cref="HttpClient"/>).</summary>
internal sealed class TeamsChannel(HttpClient http, IOptions<AlertOptions> options) : IAlertChannel
{
    public const string ChannelName = "teams";

    public string Name => ChannelName;

    public bool IsEnabled => options.Value.Teams.IsEnabled;

    public async Task SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        var url = options.Value.Teams.Url ?? throw new AlertChannelException("Teams is not configured.");
        try
        {
            using var content = new StringContent(TeamsCard.Serialize(TeamsCard.Message(alert)));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            using var response = await http.PostAsync(url, content, cancellationToken);
            // Workflows answers 202 Accepted; any 2xx means the flow took it.
            if (!response.IsSuccessStatusCode)
                throw new AlertChannelException($"Teams Workflows answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        catch (HttpRequestException ex)
        {
            // The webhook URL carries its signature: never let it into the message.
            throw new AlertChannelException($"Teams Workflows could not be reached ({ex.HttpRequestError}).");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AlertChannelException("Teams Workflows timed out.");
        }
    }
}

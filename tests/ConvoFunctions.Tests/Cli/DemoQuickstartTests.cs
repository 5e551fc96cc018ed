using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ConvoFunctions.Alerts;
using ConvoFunctions.Cli;
using ConvoFunctions.Tests.Configuration;

namespace ConvoFunctions.Tests.Cli;

/// <summary>
/// The README quickstart as a newcomer runs it: its <c>serve --demo</c> and <c>send</c> lines, taken from README.md
/// itself, with only a free port and a private alerts folder added (the demo's Azurite keeps its data in memory) so that the test stands alone.
/// </summary>
public sealed class DemoQuickstartTests : IDisposable
{
    private const string CliPrefix = "dotnet run --project src/ConvoFunctions.Cli -- ";
    private readonly string _work = Directory.CreateTempSubdirectory("convo-demo-").FullName;

    [Fact]
    public async Task Serve_demo_and_send_the_sample_write_the_duplicate_alert_with_the_discovered_blank_within_a_minute()
    {
        var readme = File.ReadAllLines(SettingsContractTests.RepoFile("README.md"));
        var serveLine = readme.First(l => l.StartsWith(CliPrefix + "serve", StringComparison.Ordinal));
        var sendLine = readme.First(l => l.StartsWith(CliPrefix + "send samples/", StringComparison.Ordinal));
        Assert.Contains("--demo", serveLine, StringComparison.Ordinal);

        var port = FreePort();
        var alerts = Path.Combine(_work, "alerts");
        string[] serveArgs = [.. Words(serveLine), "--port", $"{port}", "--alerts", alerts];
        string[] sendArgs = [.. Words(sendLine).Select(RepoPath), "--url", $"http://127.0.0.1:{port}/api/webhooks/elevenlabs"];

        using var stop = new CancellationTokenSource();
        var serve = Task.Run(() => ConvoCommand.Create().Parse(serveArgs).InvokeAsync(cancellationToken: stop.Token));
        try
        {
            await WaitForAsync(async () => await AnswersAsync(port) || serve.IsCompleted, TimeSpan.FromSeconds(90));
            Assert.False(serve.IsCompleted, "serve --demo stopped before it served");

            Assert.Equal(0, await ConvoCommand.Create().Parse(sendArgs).InvokeAsync());
            var folder = Path.Combine(alerts, "CAaaaa1111bbbb2222cccc3333dddd4444");
            var report = Path.Combine(folder, AlertFileChannel.SupportReportFile);
            await WaitForAsync(() => Task.FromResult(File.Exists(report)), TimeSpan.FromSeconds(60));

            // Only the real conversation sent a webhook: the blank one can only have come from the list endpoint.
            var text = await File.ReadAllTextAsync(report);
            Assert.Contains("conv_sample_real_01", text, StringComparison.Ordinal);
            Assert.Contains("conv_sample_blank_01", text, StringComparison.Ordinal);
            Assert.Contains("[blank]", text, StringComparison.Ordinal);
            Assert.DoesNotContain("+447700900123", text, StringComparison.Ordinal);

            using var teams = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, AlertFileChannel.TeamsMessageFile)));
            var card = teams.RootElement.GetProperty("attachments")[0].GetProperty("content").GetRawText();
            Assert.Contains("conv_sample_blank_01", card, StringComparison.Ordinal);
            Assert.Contains("conv_sample_real_01", await File.ReadAllTextAsync(Path.Combine(folder, AlertFileChannel.EmailHtmlFile)), StringComparison.Ordinal);
            Assert.Contains("conv_sample_blank_01", await File.ReadAllTextAsync(Path.Combine(folder, AlertFileChannel.EmailTextFile)), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await serve;
        }
    }

    private static IEnumerable<string> Words(string line) =>
        line[CliPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static string RepoPath(string word) =>
        word.StartsWith("samples/", StringComparison.Ordinal) ? SettingsContractTests.RepoFile(word) : word;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ConvoFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace ConvoFunctions.Tests.Cli;

/// <summary>
/// Each usual first mistake, run through the real <c>convo</c> process: the exit code from the README's table, one or
/// two lines on stderr that name the cause and the next step, no stack frame, no secret.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class UsualMistakesTests(AzuriteFixture azurite)
{
    // Neither the Azurite development key nor anything like it: a secret that must never be printed.
    private const string SecretKey = "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWJlLXByaW50ZWQtYW55d2hlcmU=";
    private const string ApiKey = "sk_test_secret_api_key_0123456789";

    /// <summary>A mistake: how to make it, the exit code, and what the message must name.</summary>
    private sealed record Mistake(Func<Setup, Task<string[]>> Arguments, int ExitCode, params string[] Mentions);

    /// <summary>What a case may use: the shared Azurite, and its own files and servers (disposed after the case).</summary>
    private sealed class Setup(string storage) : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];
        private readonly List<IDisposable> _ownedSync = [];
        private readonly string _folder = Directory.CreateTempSubdirectory("convo-mistake-").FullName;

        public string Storage { get; } = storage;
        public int Port { get; set; }

        public string SettingsFile(params (string Name, string Value)[] values)
        {
            var json = new JsonObject();
            foreach (var (name, value) in values) json[name] = value;
            var path = Path.Combine(_folder, "local.settings.json");
            File.WriteAllText(path, new JsonObject { ["Values"] = json }.ToJsonString());
            return path;
        }

        public void Own(IDisposable disposable) => _ownedSync.Add(disposable);

        public async Task<Uri> ServerAsync(Func<HttpContext, Task> handler)
        {
            var server = await LoopbackServer.StartAsync((context, _) => handler(context));
            _owned.Add(server);
            return server.BaseAddress;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var d in _owned) await d.DisposeAsync();
            foreach (var d in _ownedSync) d.Dispose();
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static string ClosedStorage(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={SecretKey};" +
        $"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";

    private static readonly Dictionary<string, Mistake> Mistakes = new()
    {
        ["send before serve is running"] = new(s => Task.FromResult<string[]>(
                ["send", Fixtures.Path(Fixtures.InitiationFailure), "--url", $"http://127.0.0.1:{s.Port = ConvoProcess.FreePort()}/api/webhooks/elevenlabs"]),
            1, "Cannot connect to 127.0.0.1:{port}", "convo serve", "--url"),
        ["send a file that does not exist"] = new(_ => Task.FromResult<string[]>(["send", "no-such-webhook.json"]),
            2, "File not found", "no-such-webhook.json"),
        ["send a folder instead of a file"] = new(_ => Task.FromResult<string[]>(["send", AppContext.BaseDirectory]), 2, "Cannot read", AppContext.BaseDirectory.TrimEnd('/')),
        ["serve with a settings file that is not JSON"] = new(s =>
            {
                var path = s.SettingsFile();
                File.WriteAllText(path, $$"""{ "Values": { "ElevenLabs__ApiKey": "{{ApiKey}}", } """);
                return Task.FromResult<string[]>(["serve", "--port", $"{ConvoProcess.FreePort()}", "--storage", s.Storage, "--settings", path]);
            },
            2, "local.settings.json is not valid JSON", "line 1"),
        ["send without a file"] = new(_ => Task.FromResult<string[]>(["send"]), 2, "Required argument missing", "send"),
        ["serve on a port that is taken"] = new(s =>
            {
                var taken = new TcpListener(IPAddress.Loopback, 0);
                taken.Start();
                s.Own(taken);
                s.Port = ((IPEndPoint)taken.LocalEndpoint).Port;
                return Task.FromResult<string[]>(["serve", "--port", $"{s.Port}", "--storage", s.Storage]);
            },
            1, "Port {port}", "already in use", "--port"),
        ["serve with storage that cannot be reached"] = new(s => Task.FromResult<string[]>(
                ["serve", "--port", $"{ConvoProcess.FreePort()}", "--storage", ClosedStorage(s.Port = ConvoProcess.FreePort())]),
            1, "Storage is not reachable", "127.0.0.1:{port}", "AzureWebJobsStorage", "--storage"),
        ["serve with an invalid setting"] = new(s => Task.FromResult<string[]>(
                ["serve", "--port", $"{ConvoProcess.FreePort()}", "--storage", s.Storage, "--settings", s.SettingsFile(("Detection__Schedule", "every five minutes"))]),
            2, "Invalid setting", "Detection__Schedule"),
        ["serve with a setting of the wrong type"] = new(s => Task.FromResult<string[]>(
                ["serve", "--port", $"{ConvoProcess.FreePort()}", "--storage", s.Storage, "--settings", s.SettingsFile(("ElevenLabs__MaxConcurrency", ApiKey))]),
            2, "Invalid setting", "ElevenLabs__MaxConcurrency"),
        ["replay with a garbled connection string"] = new(_ => Task.FromResult<string[]>(["replay", "--storage", "not-a-connection-string"]),
            2, "connection string", "AzureWebJobsStorage"),
        ["replay with a connection string missing its account name"] = new(_ => Task.FromResult<string[]>(["replay", "--storage", $"AccountKey={SecretKey};EndpointSuffix=core.windows.net"]),
            2, "connection string", "AzureWebJobsStorage"),
        ["replay with a key the account refuses"] = new(s => Task.FromResult<string[]>(
                ["replay", "--storage", AccountKey().Replace(s.Storage, $"AccountKey={SecretKey};")]),
            1, "Storage refused the credentials", "AccountKey"),
        ["replay without any storage"] = new(_ => Task.FromResult<string[]>(["replay"]), 2, "--storage", "AzureWebJobsStorage"),
        ["audit with the API unreachable"] = new(s => Task.FromResult<string[]>(
                ["audit", "--base-url", $"http://127.0.0.1:{s.Port = ConvoProcess.FreePort()}",
                 "--settings", s.SettingsFile(("ElevenLabs__ApiKey", ApiKey), ("ElevenLabs__RetryAttempts", "0"))]),
            1, "Cannot connect to 127.0.0.1:{port}", "--base-url"),
        ["audit with a key the API refuses (401)"] = new(async s => ["audit", "--base-url", $"{await s.ServerAsync(Refuse(401))}",
                "--settings", s.SettingsFile(("ElevenLabs__ApiKey", ApiKey))],
            1, "401", "ElevenLabs__ApiKey"),
        ["audit with a key lacking permission (403)"] = new(async s => ["audit", "--base-url", $"{await s.ServerAsync(Refuse(403))}",
                "--settings", s.SettingsFile(("ElevenLabs__ApiKey", ApiKey))],
            1, "403", "ElevenLabs__ApiKey"),
        ["audit without an API key"] = new(s => Task.FromResult<string[]>(["audit", "--settings", s.SettingsFile()]), 2, "ElevenLabs__ApiKey"),
        ["audit with an unknown format"] = new(_ => Task.FromResult<string[]>(["audit", "--format", "xml"]), 2, "xml"),
    };

    public static TheoryData<string> Cases => new(Mistakes.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_usual_mistake_ends_in_one_clear_message_and_its_exit_code(string name)
    {
        var mistake = Mistakes[name];
        await using var setup = new Setup(azurite.ConnectionString);
        var args = await mistake.Arguments(setup);

        var run = await ConvoProcess.RunAsync(args);

        Assert.True(mistake.ExitCode == run.ExitCode, $"exit {run.ExitCode}, expected {mistake.ExitCode}:\n{run.All}");
        foreach (var mention in mistake.Mentions)
        {
            Assert.Contains(mention.Replace("{port}", setup.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), run.Stderr);
        }
        AssertNoStackTrace(run.All);
        Assert.DoesNotContain(SecretKey, run.All);
        Assert.DoesNotContain(ApiKey, run.All);
        // Usage errors may add the verb's help below the error; every other failure is its one or two lines.
        if (mistake.ExitCode != 2 || run.Stderr.Contains("File not found", StringComparison.Ordinal)) Assert.InRange(run.StderrLines.Count, 1, 2);
    }

    [Fact]
    public async Task Verbose_adds_the_stack_trace_without_the_secret()
    {
        var run = await ConvoProcess.RunAsync("replay", "--storage", $"AccountKey={SecretKey};EndpointSuffix=core.windows.net", "--verbose");

        Assert.Equal(2, run.ExitCode);
        Assert.Matches(StackFrame(), run.Stderr);
        Assert.DoesNotContain(SecretKey, run.All);
    }

    [Fact]
    public async Task Ctrl_C_during_a_send_exits_130()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var stalling = await LoopbackServer.StartAsync(async (context, _) =>
        {
            received.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        await using var convo = ConvoProcess.Start("send", Fixtures.Path(Fixtures.InitiationFailure), "--url", new Uri(stalling.BaseAddress, "api/webhooks/elevenlabs").ToString());
        await received.Task.WaitAsync(TimeSpan.FromSeconds(60));

        await convo.InterruptAsync();
        var run = await convo.WaitAsync();

        Assert.Equal(130, run.ExitCode);
        Assert.Equal(["Interrupted."], run.StderrLines);
        AssertNoStackTrace(run.All);
    }

    [Fact]
    public async Task Ctrl_C_stops_serve_cleanly()
    {
        await using var convo = ConvoProcess.Start("serve", "--port", $"{ConvoProcess.FreePort()}", "--storage", azurite.ConnectionString);
        await convo.WaitForOutputAsync("Press Ctrl+C to stop.");

        await convo.InterruptAsync();
        var run = await convo.WaitAsync();

        // Ctrl+C is how serve is meant to end: a clean stop, not a failure.
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Empty(run.StderrLines);
        AssertNoStackTrace(run.All);
    }

    private static Func<HttpContext, Task> Refuse(int status) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var code = status == 401 ? "invalid_api_key" : "missing_permissions";
        await context.Response.WriteAsync($$$"""{"detail":{"status":"{{{code}}}","message":"refused"}}""");
    };

    private static void AssertNoStackTrace(string output) => Assert.DoesNotMatch(StackFrame(), output);

    [GeneratedRegex(@"^\s*at \S+\(|--- End of|Unhandled exception", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    [GeneratedRegex("AccountKey=[^;]+;")]
    private static partial Regex AccountKey();
}

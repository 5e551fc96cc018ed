using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ConvoFunctions.Tests.Cli;

/// <summary>What a <c>convo</c> process printed and how it ended.</summary>
internal sealed record ConvoRun(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;

    public IReadOnlyList<string> StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// The real <c>convo</c> (the build's convo.dll, copied next to the tests) as a process in its own empty working
/// folder, with none of the app's settings inherited from the environment. Bounded: a run that does not end in
/// time is killed and fails the test.
/// </summary>
internal sealed class ConvoProcess : IAsyncDisposable
{
    private static readonly string[] SettingPrefixes = ["ElevenLabs__", "Webhooks__", "Detection__", "Alerts__", "Twilio__", "AzureWebJobsStorage", "CONVO_"];
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly string _folder;

    private ConvoProcess(Process process, string folder)
    {
        _process = process;
        _folder = folder;
    }

    public int Id => _process.Id;

    public static ConvoProcess Start(params string[] args) => Start(args, new Dictionary<string, string>());

    public static ConvoProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var folder = Directory.CreateTempSubdirectory("convo-cli-").FullName;
        // 'env --default-signal=INT': a process started from a shell's background job inherits SIGINT as ignored;
        // the Ctrl+C tests need it delivered as a terminal would.
        var start = new ProcessStartInfo("env")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "convo.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var name in start.Environment.Keys.Where(k => SettingPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment) start.Environment[name] = value;

        var process = new Process { StartInfo = start };
        var run = new ConvoProcess(process, folder);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (run._stdout) run._stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (run._stderr) run._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Runs to the end (60 s at most).</summary>
    public static async Task<ConvoRun> RunAsync(params string[] args)
    {
        await using var process = Start(args);
        return await process.WaitAsync();
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    /// <summary>Waits until stdout contains <paramref name="text"/> (the process is still running then).</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"convo exited {_process.ExitCode} before printing '{text}':\n{Stdout}\n{Stderr}");
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>Ctrl+C, as a terminal sends it.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async Task<ConvoRun> WaitAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"convo did not end in time:\n{Stdout}\n{Stderr}");
        }
        _process.WaitForExit(); // drains the redirected output
        return new ConvoRun(_process.ExitCode, Stdout, Stderr);
    }

    private string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>A loopback port nobody listens on (taken from the OS, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

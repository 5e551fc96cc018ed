using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ConvoFunctions.Cli.Local;

/// <summary>Ports Azurite listens on; zero lets the OS choose free ones.</summary>
internal sealed record AzuritePorts(int Blob, int Queue, int Table)
{
    public static AzuritePorts Any { get; } = new(0, 0, 0);
}

/// <summary>
/// Azurite, the official Storage emulator, run from the repository's pinned npm dependency on loopback.
/// Used by <c>convo serve</c> and by the tests, so both exercise the same blob, queue and table behaviour.
/// </summary>
internal sealed partial class AzuriteProcess : IAsyncDisposable
{
    // Azurite's published development account; not a secret.
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private AzuriteProcess(Process process, AzuritePorts ports, string? location)
    {
        _process = process;
        Ports = ports;
        Location = location;
    }

    public AzuritePorts Ports { get; }

    /// <summary>The data folder, or null when the data lives in memory only.</summary>
    public string? Location { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{Ports.Blob}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{Ports.Queue}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{Ports.Table}/{AccountName};";

    /// <summary>Starts Azurite and waits until all three services listen.</summary>
    /// <param name="location">Folder for its data; null keeps everything in memory.</param>
    /// <param name="ports">Fixed ports (to restart on the same endpoints), or <see cref="AzuritePorts.Any"/>.</param>
    public static async Task<AzuriteProcess> StartAsync(string? location, AzuritePorts? ports = null, CancellationToken cancellationToken = default)
    {
        ports ??= AzuritePorts.Any;
        var script = FindScript();
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     script,
                     "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                     "--blobPort", ports.Blob.ToString(), "--queuePort", ports.Queue.ToString(), "--tablePort", ports.Table.ToString(),
                     // The SDKs can be newer than the emulator; the wire format we use is long established.
                     "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        if (location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(location);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new FileNotFoundException(
                "Node.js ('node') is not on PATH, and Azurite needs it: install Node.js (then 'npm ci' in the repository), or pass --storage <connection string>.");
        }
        var listening = new Dictionary<string, int>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (listening)
            {
                output.AppendLine(e.Data);
                if (ListeningLine().Match(e.Data) is { Success: true } m) listening[m.Groups[1].Value] = int.Parse(m.Groups[2].Value);
                if (listening.Count == 3) ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (listening) output.AppendLine(e.Data);
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"Azurite exited:{Environment.NewLine}{output}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch (TimeoutException)
        {
            Kill(process);
            throw new TimeoutException("Azurite did not start listening within 60 seconds; try again, or pass --storage <connection string>.");
        }
        catch
        {
            Kill(process);
            throw;
        }

        return new AzuriteProcess(process, new AzuritePorts(listening["Blob"], listening["Queue"], listening["Table"]), location);
    }

    /// <summary>
    /// Stops Azurite the way an operator would (SIGINT), so it flushes its data folder; a later
    /// <see cref="StartAsync"/> with the same folder and ports brings the same account back.
    /// </summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        using (var signal = Process.Start("kill", ["-INT", _process.Id.ToString()]))
        {
            await signal.WaitForExitAsync();
        }
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(_process);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Finds the repository's pinned Azurite (see package.json) above the program or the current folder.</summary>
    internal static string FindScript()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var script = Path.Combine(dir.FullName, "node_modules", "azurite", "dist", "src", "azurite.js");
                if (File.Exists(script)) return script;
            }
        }
        throw new FileNotFoundException(
            "Azurite is not installed: run 'npm ci' in the repository root (the build does this when Node.js is present), or pass --storage <connection string>.");
    }

    [GeneratedRegex(@"Azurite (Blob|Queue|Table) service is successfully listening at http://[^:]+:(\d+)")]
    private static partial Regex ListeningLine();
}

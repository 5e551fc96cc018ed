using System.CommandLine;
using ConvoFunctions.Cli.Failures;

namespace ConvoFunctions.Cli;

/// <summary>The <c>convo</c> verbs; built here so tests can invoke them in-process.</summary>
internal static class ConvoCommand
{
    /// <summary>Global: show the stack trace of a failure (also <c>CONVO_VERBOSE=1</c>).</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = $"Print the stack trace when a command fails (or set {FailureReport.VerboseEnvironmentVariable}=1).",
        Recursive = true,
    };

    public const string Interrupted = "Interrupted.";

    // Ctrl+C cancels the verb's token; a verb that has not finished cleaning up (Azurite, the host) by then is cut off.
    private static readonly TimeSpan CleanupAfterCtrlC = TimeSpan.FromSeconds(10);

    public static RootCommand Create() => new("convo: run and exercise ConvoFunctions locally.")
    {
        Verbose,
        ServeCommand.Create(),
        SendCommand.Create(),
        ReplayCommand.Create(),
        CallsCommand.Create(),
        AuditCommand.Create(),
        ExplainCommand.Create(),
        TestAlertCommand.Create(),
    };

    /// <summary>
    /// The entry point of <c>convo</c> (Program.cs) for every verb: parse, run, and turn a failure into one or two
    /// lines and an exit code from <see cref="ExitCodes"/>. Usage errors exit 2, Ctrl+C 130.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Create().Parse(args);
        var configuration = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = CleanupAfterCtrlC,
        };
        if (parsed.Errors.Count > 0)
        {
            await parsed.InvokeAsync(configuration); // prints the errors and the verb's help
            return ExitCodes.Usage;
        }

        try
        {
            var exitCode = await parsed.InvokeAsync(configuration);
            // System.CommandLine answers 130 itself when a verb has not stopped in time after Ctrl+C.
            if (exitCode == ExitCodes.Interrupted) await Console.Error.WriteLineAsync(Interrupted);
            return exitCode;
        }
        catch (Exception ex)
        {
            var failure = FailureReport.Describe(ex, parsed.CommandResult.Command.Name);
            await Console.Error.WriteLineAsync(failure.Message);
            if (parsed.GetValue(Verbose) || Environment.GetEnvironmentVariable(FailureReport.VerboseEnvironmentVariable) is "1" or "true")
            {
                await Console.Error.WriteLineAsync(FailureReport.Redact(ex.ToString()));
            }
            return failure.ExitCode;
        }
    }
}

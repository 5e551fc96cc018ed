using Spectre.Console;

namespace ConvoFunctions.Cli;

/// <summary>Spectre.Console on a given writer: colours and terminal width on a terminal, plain and wide elsewhere (files, tests, pipes).</summary>
internal static class CliConsole
{
    // Wide enough that a table of ids is never wrapped in a file or a pipe, where nobody resizes the window.
    private const int RedirectedWidth = 500;

    /// <param name="terminal">The caller already knows the writer is an interactive terminal (e.g. a live progress display).</param>
    public static IAnsiConsole For(TextWriter writer, bool terminal = false)
    {
        terminal = terminal
            || (ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected)
            || (ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!terminal) console.Profile.Width = RedirectedWidth;
        return console;
    }
}

using Spectre.Console;

namespace ConvoFunctions.Cli;

/// <summary>Spectre.Console on a given writer: colours and terminal width on a terminal, plain and wide elsewhere (files, tests, pipes).</summary>
internal static class CliConsole
{
    private const int RedirectedWidth = 200;

    public static IAnsiConsole For(TextWriter writer)
    {
        var terminal = (ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected)
            || (ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal) console.Profile.Width = RedirectedWidth;
        return console;
    }
}

using System.CommandLine;

namespace ConvoFunctions.Cli;

/// <summary>The <c>convo</c> verbs; built here so tests can invoke them in-process.</summary>
internal static class ConvoCommand
{
    public static RootCommand Create() => new("convo: run and exercise ConvoFunctions locally.")
    {
        ServeCommand.Create(),
        SendCommand.Create(),
        ReplayCommand.Create(),
        AuditCommand.Create(),
        BenchEnrichmentCommand.Create(),
        ReliabilityCommand.Create(),
        TestAlertCommand.Create(),
    };
}

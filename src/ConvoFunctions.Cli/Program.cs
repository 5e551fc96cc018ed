using System.CommandLine;
using ConvoFunctions.Cli;

var root = new RootCommand("convo: run and exercise ConvoFunctions locally.")
{
    ServeCommand.Create(),
    SendCommand.Create(),
    ReplayCommand.Create(),
    BenchEnrichmentCommand.Create(),
};
return await root.Parse(args).InvokeAsync();

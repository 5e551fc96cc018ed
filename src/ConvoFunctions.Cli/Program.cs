using System.CommandLine;
using ConvoFunctions.Cli;

var root = new RootCommand("convo: run and exercise ConvoFunctions locally.")
{
    ServeCommand.Create(),
    SendCommand.Create(),
    AuditCommand.Create(),
};
return await root.Parse(args).InvokeAsync();

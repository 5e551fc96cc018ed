using ConvoFunctions.Cli;

return await ConvoCommand.Create().Parse(args).InvokeAsync();

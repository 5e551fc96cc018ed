using ConvoFunctions.Cli;

return await ConvoCommand.RunAsync(args);

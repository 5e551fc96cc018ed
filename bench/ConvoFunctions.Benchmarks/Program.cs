using BenchmarkDotNet.Running;
using ConvoFunctions.Benchmarks;

// `ingest-memory [MB]` is a bounded script (one ingest against Azurite); anything else goes to BenchmarkDotNet.
if (args is ["ingest-memory", ..])
{
    return await IngestMemory.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 25);
}

BenchmarkSwitcher.FromAssembly(typeof(SignatureBenchmarks).Assembly).Run(args);
return 0;

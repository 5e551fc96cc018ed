using System.CommandLine;
using BenchmarkDotNet.Running;
using ConvoFunctions.Benchmarks;
using ConvoFunctions.Benchmarks.Reliability;

// Bounded scripts (no BenchmarkDotNet):
//   ingest-memory [MB]     one large audio ingest against Azurite, peak memory growth
//   sweep [runs]           duplicate sweep with 1,000 vs 100,000 historical activity rows (two Azurites), medians and ratio
//   alert-samples [folder] the sample Teams message and email of a duplicate alert, written to docs/ (or folder)
//   report-sample <file> the sample HTML audit report (two weeks of made-up calls in the loopback API stand-in)
//   initiation [requests]  call-start route p50/p99 at 32 concurrent requests vs a bare Table insert, and proxy mode
//   ingest [webhooks]      webhook route throughput and p99 at 8 and 32 in flight vs a bare Put Blob + Put Message loop
//   reliability [options]  load and fault harness on loopback (--help lists its options); exit 0 when nothing was lost
//   enrichment [options]   enrichment throughput through the serve path vs MaxConcurrency / latency (--help)
//   discovery [calls/h] [h] webhook-less twins found by the sweep every 5 simulated minutes vs the API bound
//   time-to-alert [calls] [spread minutes] [schedule] [settle delay]
//                          webhook arrival -> Teams alert on the local host, p50/p95 (production schedule by default)
// Anything else goes to BenchmarkDotNet.
switch (args)
{
    case ["ingest-memory", ..]:
        return await IngestMemory.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 25);
    case ["sweep", ..]:
        return await SweepScaling.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 31);
    case ["initiation", ..]:
        return await InitiationLatency.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 4000);
    case ["discovery", ..]:
        return await DiscoveryPace.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 3000, args.Length > 2 ? int.Parse(args[2]) : 1);
    case ["ingest", ..]:
        return await IngestBound.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 3000);
    case ["reliability" or "enrichment", ..]:
        // Under a root command, so that --help and option errors work as in convo.
        return await new RootCommand("ConvoFunctions load modes") { ReliabilityCommand.Create(), EnrichmentThroughput.Create() }
            .Parse(args).InvokeAsync();
    case ["time-to-alert", ..]:
        return await TimeToAlert.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 40,
            TimeSpan.FromMinutes(args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10),
            args.Length > 3 ? args[3] : ConvoFunctions.Detection.DetectionOptions.DefaultSchedule,
            args.Length > 4 ? TimeSpan.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : TimeSpan.FromMinutes(2));
    case ["report-sample", var file]:
        return await ReportSample.RunAsync(file);
    case ["alert-samples", ..]:
        return AlertSamples.Run(args.Length > 1 ? args[1] : null);
}

BenchmarkSwitcher.FromAssembly(typeof(SignatureBenchmarks).Assembly).Run(args);
return 0;

using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Usage (from the repository root):
//   dotnet run -c Release --project benchmarks/SignalRLite.Benchmarks -- --filter '*'            quick: in-process, short job
//   dotnet run -c Release --project benchmarks/SignalRLite.Benchmarks -- --filter '*Json*' --full  BenchmarkDotNet's default job
// Any other BenchmarkDotNet command-line option (--list flat, --exporters, ...) is passed through.
#if HAS_LITE_HUBS
if (args.Contains("--check-dispatch"))
{
    // Runs the dispatch benchmark's body a few times outside BenchmarkDotNet (a smoke test).
    foreach (var protocol in new[] { "json", "messagepack" })
    {
        var b = new SignalRLite.Benchmarks.DispatchBenchmarks { Protocol = protocol };
        b.Setup();
        for (var i = 0; i < 20; i++)
        {
            try
            {
                await b.Echo_Ours();
            }
            catch (Exception ex)
            {
                Console.WriteLine($"ours failed after {i} x 100 round trips: {ex.Message}");
                throw;
            }

            await b.Echo_Official();
        }
        b.Cleanup();
        Console.WriteLine($"dispatch {protocol}: ok");
    }

    return;
}
#endif

IConfig config = DefaultConfig.Instance;
if (args.Contains("--full"))
{
    args = args.Where(a => a != "--full").ToArray();
}
else
{
    // Short, in-process job: no per-benchmark project build (the machine is small and shared).
    config = config.AddJob(Job.Default
        .WithWarmupCount(3)
        .WithIterationCount(7)
        .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(200))
        .WithLaunchCount(1)
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithId("ShortInProcess"));
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);

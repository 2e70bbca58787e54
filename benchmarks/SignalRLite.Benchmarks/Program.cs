using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Usage (from the repository root):
//   dotnet run -c Release --project benchmarks/SignalRLite.Benchmarks -- --filter '*'            quick: in-process, short job
//   dotnet run -c Release --project benchmarks/SignalRLite.Benchmarks -- --filter '*Json*' --full  BenchmarkDotNet's default job
// Any other BenchmarkDotNet command-line option (--list flat, --exporters, ...) is passed through.
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
        .WithIterationCount(6)
        .WithLaunchCount(1)
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithId("ShortInProcess"));
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);

using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Usage (from the repository root):
//   dotnet run -c Release --project benchmarks/SignalRLite.Benchmarks -- --filter '*'            quick: in-process, short job
//   dotnet run -c Release --project benchmarks/SignalRLite.Benchmarks -- --filter '*Json*' --full  BenchmarkDotNet's default job
//   add --docs to write docs/performance-micro.md from the summaries.
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

// --docs: also write docs/performance-micro.md (the summaries as GitHub markdown, with the machine and the load).
var writeDocs = args.Contains("--docs");
args = args.Where(a => a != "--docs").ToArray();
var load0 = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
var started = DateTime.UtcNow;
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToList();
if (writeDocs && summaries.Count > 0)
{
    var log = new BenchmarkDotNet.Loggers.AccumulationLogger();
    foreach (var summary in summaries)
    {
        log.WriteLine(BenchmarkDotNet.Loggers.LogKind.Default, $"### {summary.Title.Split('-')[0]}");
        log.WriteLine(BenchmarkDotNet.Loggers.LogKind.Default, string.Empty);
        BenchmarkDotNet.Exporters.MarkdownExporter.GitHub.ExportToLog(summary, log);
        log.WriteLine(BenchmarkDotNet.Loggers.LogKind.Default, string.Empty);
    }

    var root = new DirectoryInfo(Directory.GetCurrentDirectory());
    while (root is not null && !File.Exists(Path.Combine(root.FullName, "SignalRLite.sln")))
    {
        root = root.Parent;
    }

    var docs = Path.Combine(root?.FullName ?? Directory.GetCurrentDirectory(), "docs");
    Directory.CreateDirectory(docs);
    var load1 = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
    var text = "# SignalRLite micro benchmarks\n\n"
        + "Written by `benchmarks/SignalRLite.Benchmarks` (BenchmarkDotNet, `[MemoryDiagnoser]`); do not edit by hand, run it again.\n\n"
        + $"* Date: {started:yyyy-MM-dd HH:mm} to {DateTime.UtcNow:HH:mm} UTC\n"
        + $"* Command: `dotnet run -c Release --project benchmarks/SignalRLite.Benchmarks -- {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}`\n"
        + $"* Load average (/proc/loadavg) at start: {load0}; at end: {load1}\n"
        + "* Ratio = ours / official (the official type is the baseline of each category: `Microsoft.AspNetCore.SignalR.Protocol.JsonHubProtocol` and `HandshakeProtocol` from the shared framework, `MessagePackHubProtocol` from `Microsoft.AspNetCore.SignalR.Protocols.MessagePack`, and the official `HubConnectionHandler<THub>` for dispatch). Parse benchmarks read the bytes the official writer produced.\n"
        + "* Dispatch: one `Echo(string)` invocation (32 B argument) written into an in-memory `ConnectionContext` (pipes) running the hub connection handler, and the Completion read back; per round trip.\n\n"
        + log.GetLog();
    File.WriteAllText(Path.Combine(docs, "performance-micro.md"), text);
    Console.WriteLine("wrote " + Path.Combine(docs, "performance-micro.md"));
}

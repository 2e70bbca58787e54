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
if (args.Contains("--presence-memory"))
{
    await SignalRLite.Benchmarks.PresenceBenchmarks.PrintRetainedMemoryAsync();
    return;
}

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
// Remember when and under which load each class ran (a sidecar next to BenchmarkDotNet's GitHub markdown report).
foreach (var summary in summaries)
{
    var load1 = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
    var sidecar = Path.Combine(summary.ResultsDirectoryPath, summary.Title.Split('-')[0] + ".run.txt");
    File.WriteAllText(sidecar, $"{started:yyyy-MM-dd HH:mm} to {DateTime.UtcNow:HH:mm} UTC, load average at start {load0}, at end {load1}; `dotnet run -c Release --project benchmarks/SignalRLite.Benchmarks -- {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}`");
}

if (writeDocs)
{
    // The document gathers every class's latest GitHub report from BenchmarkDotNet.Artifacts/results, so classes
    // run at different times (for example dispatch once the hub runtime exists) all appear.
    var results = summaries.FirstOrDefault()?.ResultsDirectoryPath ?? Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results");
    var sb = new System.Text.StringBuilder();
    sb.Append("# SignalRLite micro benchmarks\n\n")
      .Append("Written by `benchmarks/SignalRLite.Benchmarks` (BenchmarkDotNet, `[MemoryDiagnoser]`) with `--docs`; do not edit by hand, run it again.\n\n")
      .Append("* Ratio = ours / official: the official type is the baseline of each category (`Microsoft.AspNetCore.SignalR.Protocol.JsonHubProtocol` and `HandshakeProtocol` from the shared framework, `MessagePackHubProtocol` from `Microsoft.AspNetCore.SignalR.Protocols.MessagePack` 10.0.15, and the official `HubConnectionHandler<THub>` for dispatch). Parse benchmarks read the bytes the official writer produced.\n")
      .Append("* Dispatch: one `Echo(string)` invocation (32 B argument, fresh invocation ID) written into an in-memory `ConnectionContext` (pipes, no sockets) running the hub connection handler, and the Completion read back; per round trip.\n")
      .Append("* The machine: 2 cores shared with other work; each section says when it ran and the load average then. Error columns are wide under load: read the ratios, and the allocation columns (exact), first.\n\n");
    foreach (var file in Directory.GetFiles(results, "*-report-github.md").OrderBy(f => f, StringComparer.Ordinal))
    {
        var name = Path.GetFileName(file).Replace("-report-github.md", "", StringComparison.Ordinal);
        var sidecar = Path.Combine(results, name + ".run.txt");
        sb.Append("## ").Append(name.Replace("SignalRLite.Benchmarks.", "", StringComparison.Ordinal)).Append("\n\n");
        if (File.Exists(sidecar))
        {
            sb.Append("Run: ").Append(File.ReadAllText(sidecar)).Append("\n\n");
        }

        sb.Append(File.ReadAllText(file)).Append("\n");
    }

    var root = new DirectoryInfo(Directory.GetCurrentDirectory());
    while (root is not null && !File.Exists(Path.Combine(root.FullName, "SignalRLite.sln")))
    {
        root = root.Parent;
    }

    var docs = Path.Combine(root?.FullName ?? Directory.GetCurrentDirectory(), "docs");
    Directory.CreateDirectory(docs);
    File.WriteAllText(Path.Combine(docs, "performance-micro.md"), sb.ToString());
    Console.WriteLine("wrote " + Path.Combine(docs, "performance-micro.md"));
}

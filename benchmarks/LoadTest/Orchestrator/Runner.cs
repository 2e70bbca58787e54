using System.Diagnostics;
using System.Globalization;

namespace LoadTest.Orchestrator;

/// <summary>
/// Starts one host process per (round, server kind) and one long-lived client process, runs every scenario
/// against each host, interleaving the kinds scenario after scenario within each round, and writes the report.
/// </summary>
internal static class Runner
{
    public static readonly string[] AllKinds = ["official", "lite", "raw"];

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var rounds = IntOption(args, "--rounds") ?? (quick ? 2 : 5);
        var measure = DoubleOption(args, "--measure") ?? (quick ? 0.8 : 1.25);
        var warmup = DoubleOption(args, "--warmup") ?? (quick ? 0.4 : 0.5);
        var only = StringOption(args, "--only");
        var kinds = (StringOption(args, "--kinds") ?? string.Join(',', AllKinds)).Split(',', StringSplitOptions.RemoveEmptyEntries);
        var repoRoot = FindRepoRoot();
        var outDir = StringOption(args, "--out") ?? Path.Combine(repoRoot, "docs");
        var command = "dotnet run -c Release --project benchmarks/LoadTest" + (args.Length > 0 ? " -- " + string.Join(' ', args) : "");

#if !HAS_LITE
        kinds = kinds.Where(k => k != "lite").ToArray();
        Console.WriteLine("note: SignalRLite's hub runtime is not in this build; running official and raw only.");
#endif

        var plan = Plan.Build(quick, measure, warmup);
        if (only is not null)
        {
            plan = plan.Where(s => s.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();
        }

        var machine = MachineInfo.Capture();
        var results = new Results(plan.Select(p => p.Name).ToList(), kinds);
        var started = DateTime.UtcNow;
        var busy0 = MachineInfo.ReadBusy();
        Console.WriteLine($"{plan.Count} scenarios x {kinds.Length} servers x {rounds} rounds; load average {MachineInfo.LoadAverage()}");

        await using var client = await ChildProcess.StartAsync(["client"], "client ready", "client");
        for (var round = 0; round < rounds; round++)
        {
            // One fresh host per kind for the round, all started and brought to a steady state first; then each
            // scenario runs on the kinds back to back, so the ratios of a round compare figures taken seconds apart,
            // not minutes (this machine's speed drifts on that scale). The order alternates (A B C, then C B A) so that
            // a drift within a scenario's turn favours no kind. A host not being measured is idle.
            var roundWatch = Stopwatch.StartNew();
            var hosts = new List<(string Kind, int Port, ChildProcess Process)>();
            var ended = new HashSet<ChildProcess>();
            try
            {
                foreach (var kind in kinds)
                {
                    // A free port per host (not a fixed range): two load tests on one machine must not collide.
                    var port = FreePort();
                    var host = await ChildProcess.StartAsync(["host", kind, port.ToString(CultureInfo.InvariantCulture)], "READY", kind);
                    hosts.Add((kind, port, host));

                    // Unreported warm-up: JIT both protocols' paths on this fresh host.
                    foreach (var warm in Plan.Warmup(quick))
                    {
                        await client.RunScenarioAsync(Plan.ForKind(warm, kind, port), TimeSpan.FromSeconds(60));
                    }

                    var steady = await WarmToSteadyStateAsync(client, kind, port, quick);
                    Console.WriteLine($"  r{round + 1} {kind,-8} steady state: {steady}");
                }

                for (var s = 0; s < plan.Count; s++)
                {
                    var scenario = plan[s];
                    var order = (s + round) % 2 == 0 ? hosts : Enumerable.Reverse(hosts).ToList();
                    foreach (var (kind, port, host) in order)
                    {
                        if (ended.Contains(host) || host.HasExited)
                        {
                            continue;
                        }

                        var spec = Plan.ForKind(scenario, kind, port);
                        var result = await client.RunScenarioAsync(spec, TimeSpan.FromSeconds(120));
                        results.Add(scenario.Name, kind, round, result);
                        Console.WriteLine($"  r{round + 1} {kind,-8} {scenario.Name,-52} {Results.Describe(spec, result)}");
                        if (host.HasExited)
                        {
                            Console.WriteLine($"  host {kind} exited: {host.Tail()}");
                        }
                        else if (s == plan.Count - 1)
                        {
                            // The last scenario (the stalled receiver, in a full run) can leave a host busy until the
                            // client drops it: ended at once, so that it never runs beside the next kind's turn.
                            ended.Add(host);
                            await host.DisposeAsync();
                        }
                    }
                }
            }
            finally
            {
                foreach (var (_, _, host) in hosts)
                {
                    if (ended.Add(host))
                    {
                        await host.DisposeAsync();
                    }
                }
            }

            Console.WriteLine($"round {round + 1}: {roundWatch.Elapsed.TotalSeconds:F0} s (elapsed {(DateTime.UtcNow - started).TotalMinutes:F1} min, load {MachineInfo.LoadAverage()})");
        }

        var busy1 = MachineInfo.ReadBusy();
        var run = new RunInfo
        {
            Command = command,
            Started = started,
            Finished = DateTime.UtcNow,
            Rounds = rounds,
            Quick = quick,
            MeasureSeconds = measure,
            WarmupSeconds = warmup,
            LoadAverageEnd = MachineInfo.LoadAverage(),
            MachineBusyShare = MachineInfo.BusyShare(busy0, busy1),
        };

        Directory.CreateDirectory(outDir);
        var markdown = Report.Markdown(machine, run, plan, results);
        await File.WriteAllTextAsync(Path.Combine(outDir, "performance.md"), markdown);
        await File.WriteAllTextAsync(Path.Combine(outDir, "performance-ratios.svg"), Report.Svg(plan, results, run));
        Console.WriteLine($"wrote {Path.Combine(outDir, "performance.md")} and performance-ratios.svg");
        return 0;
    }

    /// <summary>
    /// Runs the steady-state passes (echo and broadcast under load), at least two, until one whole pass compiles at
    /// most <see cref="Plan.SteadyJitMethods"/> methods, or <see cref="Plan.SteadyMaxPasses"/> passes ran. Tiered
    /// compilation promotes hot methods in the background for seconds after start; a server is measured once that
    /// has settled, whatever its code (the official server starts from precompiled ReadyToRun code, SignalRLite and
    /// the raw host from the JIT's first tier). The same rule for every kind.
    /// </summary>
    private static async Task<string> WarmToSteadyStateAsync(ChildProcess client, string kind, int port, bool quick)
    {
        var watch = Stopwatch.StartNew();
        var maxPasses = quick ? 2 : Plan.SteadyMaxPasses;
        var perPass = new List<long>(); // methods compiled in each pass
        var before = (await LoadTest.Client.ClientAgent.GetStatsAsync(port)).JitMethods;
        do
        {
            foreach (var warm in Plan.SteadyState())
            {
                await client.RunScenarioAsync(Plan.ForKind(warm, kind, port), TimeSpan.FromSeconds(60));
            }

            var now = (await LoadTest.Client.ClientAgent.GetStatsAsync(port)).JitMethods;
            perPass.Add(now - before);
            before = now;
        }
        while ((perPass.Count < 2 || perPass[^1] > Plan.SteadyJitMethods) && perPass.Count < maxPasses);

        var settled = perPass[^1] <= Plan.SteadyJitMethods ? "settled" : "not settled";
        return string.Create(CultureInfo.InvariantCulture, $"{perPass.Count} passes, {watch.Elapsed.TotalSeconds:F1} s, {perPass.Sum()} methods compiled ({string.Join(' ', perPass)} per pass; {settled})");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string FindRepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SignalRLite.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }

    internal static string? StringOption(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    internal static int? IntOption(string[] args, string name) =>
        StringOption(args, name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : null;

    internal static double? DoubleOption(string[] args, string name) =>
        StringOption(args, name) is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : null;
}

/// <summary>A child process of this same executable (host or client), started and ended by the orchestrator.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _label;
    private readonly System.Threading.Channels.Channel<string> _lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
    private readonly Queue<string> _tail = new();

    private ChildProcess(Process process, string label)
    {
        _process = process;
        _label = label;
    }

    public bool HasExited => _process.HasExited;

    public static async Task<ChildProcess> StartAsync(string[] args, string readyLine, string label)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var psi = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(Runner).Assembly.Location);
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // Same GC settings for every process: workstation, concurrent; TieredPGO left at its default.
        psi.Environment["DOTNET_gcServer"] = "0";
        psi.Environment["DOTNET_gcConcurrent"] = "1";
        psi.Environment.Remove("DOTNET_TieredPGO");
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start " + label);
        var child = new ChildProcess(process, label);
        _ = child.PumpAsync(process.StandardOutput);
        _ = child.PumpAsync(process.StandardError);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var line = await child.ReadLineAsync(TimeSpan.FromSeconds(60) - deadline.Elapsed);
            if (line is null)
            {
                break;
            }

            if (line.Contains(readyLine, StringComparison.Ordinal))
            {
                return child;
            }
        }

        await child.DisposeAsync();
        throw new InvalidOperationException($"{label} did not start: {child.Tail()}");
    }

    private async Task PumpAsync(StreamReader reader)
    {
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            lock (_tail)
            {
                _tail.Enqueue(line);
                if (_tail.Count > 20)
                {
                    _tail.Dequeue();
                }
            }

            _lines.Writer.TryWrite(line);
        }
    }

    public string Tail()
    {
        lock (_tail)
        {
            return string.Join(" | ", _tail);
        }
    }

    private async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1));
        try
        {
            return await _lines.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async Task<ScenarioResult> RunScenarioAsync(ScenarioSpec spec, TimeSpan timeout)
    {
        await _process.StandardInput.WriteLineAsync("RUN " + Json.Serialize(spec));
        await _process.StandardInput.FlushAsync();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            var line = await ReadLineAsync(timeout - deadline.Elapsed);
            if (line is null)
            {
                break;
            }

            if (line.StartsWith("RESULT ", StringComparison.Ordinal))
            {
                return Json.Deserialize<ScenarioResult>(line[7..]);
            }

            if (!line.StartsWith('#'))
            {
                Console.WriteLine($"  [{_label}] {line}");
            }
        }

        return new ScenarioResult { Name = spec.Name, Ok = false, Error = "timeout" };
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                if (_label == "client")
                {
                    await _process.StandardInput.WriteLineAsync("EXIT");
                    await _process.StandardInput.FlushAsync();
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
                else
                {
                    _process.Kill(entireProcessTree: false);
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
            }
        }
        catch (Exception)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
    }
}

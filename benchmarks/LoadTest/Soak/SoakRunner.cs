using System.Diagnostics;
using System.Globalization;
using LoadTest.Client;
using LoadTest.Orchestrator;

namespace LoadTest.Soak;

/// <summary>
/// <c>LoadTest soak [--quick] [--kinds lite,official] [--connections N] [--minutes M] [--out DIR]</c>: the endurance
/// run of issue 16. Per server, one after the other in a fresh host process: open the connections, run the mix
/// (<see cref="SoakClient"/>) for M minutes, sample the host every 10 s and the client's latencies every minute, then
/// write <c>performance-soak.md</c> and <c>performance-soak.svg</c>.
/// </summary>
internal static class SoakRunner
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var kinds = (Runner.StringOption(args, "--kinds") ?? "lite,official").Split(',', StringSplitOptions.RemoveEmptyEntries);
        // 15,000 WebSocket plus 1,000 Long Polling and 1,000 SSE clients (each may hold two sockets): what fits under this
        // machine's hard limit of 20,000 open files per process (see the report).
        var connections = Runner.IntOption(args, "--connections") ?? 15_000;
        var longPolling = Runner.IntOption(args, "--longpolling") ?? 1_000;
        var sse = Runner.IntOption(args, "--sse") ?? 1_000;
        var minutes = Runner.DoubleOption(args, "--minutes") ?? (quick ? 5 : 30);
        var outDir = Runner.StringOption(args, "--out") ?? Path.Combine(Runner.FindRepoRoot(), "docs");
        var command = "dotnet run -c Release --project benchmarks/LoadTest -- soak" + (args.Length > 0 ? " " + string.Join(' ', args) : "");
        ThreadPool.SetMinThreads(Environment.ProcessorCount * 4, Environment.ProcessorCount * 4);

        var machine = MachineInfo.Capture();
        var started = DateTime.UtcNow;
        var runs = new List<SoakRun>();
        var port = 5410;
        foreach (var kind in kinds)
        {
            port++;
            runs.Add(await RunOneAsync(kind, port, connections, longPolling, sse, TimeSpan.FromMinutes(minutes)));
        }

        Directory.CreateDirectory(outDir);
        await File.WriteAllTextAsync(Path.Combine(outDir, "performance-soak.md"), SoakReport.Markdown(machine, command, started, DateTime.UtcNow, connections, longPolling, sse, minutes, runs));
        await File.WriteAllTextAsync(Path.Combine(outDir, "performance-soak.svg"), SoakReport.Svg(runs));
        Console.WriteLine($"wrote {Path.Combine(outDir, "performance-soak.md")}");
        return 0;
    }

    private static async Task<SoakRun> RunOneAsync(string kind, int port, int connections, int longPolling, int sse, TimeSpan duration)
    {
        var run = new SoakRun { Kind = kind };
        await using var host = await ChildProcess.StartAsync(["host", kind, port.ToString(CultureInfo.InvariantCulture)], "READY", kind);
        var client = new SoakClient(port, connections);
        var groups = Math.Max(1, connections / 100);
        var httpClients = new List<SoakHttpClients>();
        if (longPolling > 0)
        {
            httpClients.Add(new SoakHttpClients(Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling, port, longPolling, groups));
        }

        if (sse > 0)
        {
            httpClients.Add(new SoakHttpClients(Microsoft.AspNetCore.Http.Connections.HttpTransportType.ServerSentEvents, port, sse, groups));
        }

        var opening = Stopwatch.StartNew();
        await client.OpenAllAsync(CancellationToken.None);
        foreach (var http in httpClients)
        {
            await http.OpenAllAsync(CancellationToken.None);
        }

        run.OpenSeconds = opening.Elapsed.TotalSeconds;
        Console.WriteLine($"{kind}: {client.Connected} WebSocket connections" + string.Concat(httpClients.Select(h => $", {h.Connected} {h.Name}")) + $" open in {run.OpenSeconds:F0} s");

        var t0 = Stopwatch.GetTimestamp();
        var mix = Task.WhenAll(httpClients.Select(h => h.RunAsync(duration, CancellationToken.None)).Append(client.RunAsync(duration, CancellationToken.None)));
        var nextMinute = TimeSpan.FromMinutes(1);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        while (!mix.IsCompleted)
        {
            await Task.WhenAny(mix, timer.WaitForNextTickAsync().AsTask());
            var at = Stopwatch.GetElapsedTime(t0);
            var stats = await ClientAgent.GetStatsAsync(port);
            run.Samples.Add(new SoakSample(at.TotalMinutes, stats.WorkingSet, stats.Heap, stats.PendingWorkItems, stats.ThreadPoolThreads));
            if (at >= nextMinute || mix.IsCompleted)
            {
                var minute = client.TakeMinute();
                run.Minutes.Add(new SoakMinuteResult(
                    at.TotalMinutes,
                    minute.Echo.Total,
                    minute.Echo.Quantile(0.99) / 1000,
                    minute.Delivery.Total,
                    minute.Delivery.Quantile(0.99) / 1000));
                foreach (var http in httpClients)
                {
                    var m = http.TakeMinute();
                    run.HttpMinutes.Add(new SoakHttpMinuteResult(http.Name, at.TotalMinutes, m.Echo.Total, m.Echo.Quantile(0.99) / 1000, m.Delivery.Total, m.Delivery.Quantile(0.99) / 1000));
                    Console.WriteLine($"  {http.Name}: echo p99 {run.HttpMinutes[^1].EchoP99Ms:F1} ms, delivery p99 {run.HttpMinutes[^1].DeliveryP99Ms:F1} ms ({m.Delivery.Total} deliveries), errors {http.Errors}, lost {http.UnexpectedDisconnects}");
                }

                Console.WriteLine($"{kind} {at.TotalMinutes:F1} min: RSS {stats.WorkingSet / 1e6:F0} MB, heap {stats.Heap / 1e6:F0} MB, " +
                    $"echo p99 {run.Minutes[^1].EchoP99Ms:F1} ms, delivery p99 {run.Minutes[^1].DeliveryP99Ms:F1} ms ({minute.Delivery.Total} deliveries), " +
                    $"queue {stats.PendingWorkItems}, errors {client.Errors}, lost {client.UnexpectedDisconnects}");
                nextMinute += TimeSpan.FromMinutes(1);
            }
        }

        await mix;
        run.Errors = client.Errors;
        run.UnexpectedDisconnects = client.UnexpectedDisconnects;
        run.Reconnects = client.Reconnects;
        foreach (var http in httpClients)
        {
            run.HttpTotals.Add(new SoakHttpTotals(http.Name, http.Errors, http.UnexpectedDisconnects, http.Reconnects));
            await http.CloseAllAsync();
        }

        await client.CloseAllAsync();
        return run;
    }
}

internal sealed record SoakSample(double Minute, long Rss, long Heap, long PendingWorkItems, int Threads);

internal sealed record SoakMinuteResult(double Minute, long Echoes, double EchoP99Ms, long Deliveries, double DeliveryP99Ms);

internal sealed record SoakHttpMinuteResult(string Transport, double Minute, long Echoes, double EchoP99Ms, long Deliveries, double DeliveryP99Ms);

internal sealed record SoakHttpTotals(string Transport, long Errors, long UnexpectedDisconnects, long Reconnects);

internal sealed class SoakRun
{
    public List<SoakHttpMinuteResult> HttpMinutes { get; } = [];

    public List<SoakHttpTotals> HttpTotals { get; } = [];

    public string Kind { get; init; } = "";

    public double OpenSeconds { get; set; }

    public List<SoakSample> Samples { get; } = [];

    public List<SoakMinuteResult> Minutes { get; } = [];

    public long Errors { get; set; }

    public long UnexpectedDisconnects { get; set; }

    public long Reconnects { get; set; }
}

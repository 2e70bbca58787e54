using System.Globalization;
using System.Text;
using LoadTest.Orchestrator;

namespace LoadTest.Soak;

/// <summary>Writes the soak report (markdown) and its chart (SVG: RSS and p99 delivery over time, per server).</summary>
internal static class SoakReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Markdown(MachineInfo machine, string command, DateTime started, DateTime ended, int connections, int longPolling, int sse, double minutes, List<SoakRun> runs)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# SignalRLite soak (endurance) run");
        sb.AppendLine();
        sb.AppendLine("Written by `LoadTest soak` (`benchmarks/LoadTest`, issue 16); do not edit by hand, run it again.");
        sb.AppendLine();
        sb.AppendLine($"* Date: {started:yyyy-MM-dd HH:mm} to {ended:HH:mm} UTC");
        sb.AppendLine($"* Command: `{command}`");
        sb.AppendLine($"* Machine: {machine.Cores} cores, {machine.Cpu}, {machine.Memory} memory, `ulimit -n` {machine.FileLimit}; load average at start {machine.LoadAverageStart}");
        sb.AppendLine($"* Per server, in a fresh host process, one after the other: {connections:N0} JSON WebSocket connections (negotiate skipped, over 127.0.0.1-8), each in a group of 100; 1 % invoke `Echo` every second; 10 group broadcasts per second; a broadcast to all every 10 s; 1 % of the connections close and reconnect per minute (spread evenly); each pings every 15 s as the official clients do. Beside them, with the official .NET client, {longPolling:N0} Long Polling and {sse:N0} Server-Sent Events connections (negotiated), each in one of the same groups: 1 % invoke `Echo` every second, 1 % reconnect per minute. {minutes:0.#} minutes per server.");
        sb.AppendLine("* Host sampled every 10 s (`/stats`: working set, `GC.GetTotalMemory(false)`, `ThreadPool.PendingWorkItemCount`); latencies per minute on the client (p99 of echo round trips and of deliveries of group and all broadcasts, send to receipt).");
        sb.AppendLine("* Slope: least squares over the samples after the warm-up (the first fifth of the run, at least one minute).");
        sb.AppendLine($"* 50,000 connections, as the issue asks, do not fit here: the hard limit of open files per process is {machine.FileLimit} and cannot be raised in this container (`ulimit -Hn` fails with EPERM), and each server socket is a file.");
        sb.AppendLine();
        sb.AppendLine("| Server | open time s | RSS start MB | RSS end MB | RSS slope MB/min | GC heap slope MB/min | echo p99 ms (median of minutes, max) | delivery p99 ms (median of minutes, max) | max thread-pool queue | errors | disconnects not caused by the scenario | reconnects |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var run in runs)
        {
            var warm = Math.Max(1, minutes / 5);
            var after = run.Samples.Where(s => s.Minute >= warm).ToList();
            var rssSlope = Slope(after.Select(s => (s.Minute, s.Rss / 1e6)));
            var heapSlope = Slope(after.Select(s => (s.Minute, s.Heap / 1e6)));
            var echo = run.Minutes.Select(m => m.EchoP99Ms).Where(double.IsFinite).ToList();
            var delivery = run.Minutes.Select(m => m.DeliveryP99Ms).Where(double.IsFinite).ToList();
            sb.AppendLine(Inv, $"| {Name(run.Kind)} | {run.OpenSeconds:F0} | {First(run, s => s.Rss) / 1e6:F0} | {Last(run, s => s.Rss) / 1e6:F0} | {rssSlope:+0.00;-0.00} | {heapSlope:+0.00;-0.00} | {Median(echo):F1}, {Max(echo):F1} | {Median(delivery):F1}, {Max(delivery):F1} | {(run.Samples.Count > 0 ? run.Samples.Max(s => s.PendingWorkItems) : 0)} | {run.Errors} | {run.UnexpectedDisconnects} | {run.Reconnects} |");
        }

        if (runs.Any(r => r.HttpTotals.Count > 0))
        {
            sb.AppendLine();
            sb.AppendLine("Long Polling and SSE clients (same run, same host):");
            sb.AppendLine();
            sb.AppendLine("| Server | transport | echo p99 ms (median of minutes, max) | delivery p99 ms (median of minutes, max) | deliveries | errors | disconnects not caused by the scenario | reconnects |");
            sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var run in runs)
            {
                foreach (var totals in run.HttpTotals)
                {
                    var minutesOf = run.HttpMinutes.Where(m => m.Transport == totals.Transport).ToList();
                    var echo = minutesOf.Select(m => m.EchoP99Ms).Where(double.IsFinite).ToList();
                    var delivery = minutesOf.Select(m => m.DeliveryP99Ms).Where(double.IsFinite).ToList();
                    sb.AppendLine(Inv, $"| {Name(run.Kind)} | {totals.Transport} | {Median(echo):F1}, {Max(echo):F1} | {Median(delivery):F1}, {Max(delivery):F1} | {minutesOf.Sum(m => m.Deliveries):N0} | {totals.Errors} | {totals.UnexpectedDisconnects} | {totals.Reconnects} |");
                }
            }
        }

        sb.AppendLine();
        sb.AppendLine("![RSS and p99 delivery latency over time, per server](performance-soak.svg)");
        sb.AppendLine();
        sb.AppendLine("## Per minute");
        sb.AppendLine();
        sb.AppendLine("| Server | minute | RSS MB | GC heap MB | echoes | echo p99 ms | deliveries | delivery p99 ms |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var run in runs)
        {
            foreach (var m in run.Minutes)
            {
                var sample = run.Samples.LastOrDefault(s => s.Minute <= m.Minute + 1e-6);
                sb.AppendLine(Inv, $"| {Name(run.Kind)} | {m.Minute:F1} | {(sample?.Rss ?? 0) / 1e6:F0} | {(sample?.Heap ?? 0) / 1e6:F0} | {m.Echoes:N0} | {m.EchoP99Ms:F1} | {m.Deliveries:N0} | {m.DeliveryP99Ms:F1} |");
            }
        }

        return sb.ToString();
    }

    public static string Svg(List<SoakRun> runs)
    {
        const int width = 900, panel = 260, left = 70, top = 30, plotWidth = 780;
        var colors = new Dictionary<string, string> { ["lite"] = "#1f77b4", ["official"] = "#7f7f7f", ["raw"] = "#2ca02c" };
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{(2 * panel) + 60}\" font-family=\"sans-serif\" font-size=\"12\">");
        sb.AppendLine(Inv, $"<rect width=\"{width}\" height=\"{(2 * panel) + 60}\" fill=\"white\"/>");
        var maxMinute = Math.Max(1, runs.SelectMany(r => r.Samples).Select(s => s.Minute).DefaultIfEmpty(1).Max());
        void PanelLines(int index, string title, Func<SoakRun, IEnumerable<(double X, double Y)>> series)
        {
            var y0 = top + (index * (panel + 30));
            var height = panel - 40;
            var all = runs.SelectMany(series).Where(p => double.IsFinite(p.Y)).ToList();
            var maxY = all.Count > 0 ? all.Max(p => p.Y) * 1.1 : 1;
            sb.AppendLine(Inv, $"<text x=\"{left}\" y=\"{y0 - 8}\" font-weight=\"bold\">{title}</text>");
            sb.AppendLine(Inv, $"<rect x=\"{left}\" y=\"{y0}\" width=\"{plotWidth}\" height=\"{height}\" fill=\"none\" stroke=\"#ccc\"/>");
            for (var t = 0; t <= 4; t++)
            {
                var v = maxY * t / 4;
                var y = y0 + height - (height * t / 4.0);
                sb.AppendLine(Inv, $"<text x=\"{left - 6}\" y=\"{y + 4:F0}\" text-anchor=\"end\">{v:G3}</text>");
            }

            sb.AppendLine(Inv, $"<text x=\"{left + plotWidth}\" y=\"{y0 + height + 16}\" text-anchor=\"end\">minutes (0 to {maxMinute:F0})</text>");
            foreach (var run in runs)
            {
                var points = series(run).Where(p => double.IsFinite(p.Y)).Select(p =>
                    string.Create(Inv, $"{left + (plotWidth * p.X / maxMinute):F1},{y0 + height - (height * p.Y / maxY):F1}"));
                sb.AppendLine(Inv, $"<polyline fill=\"none\" stroke=\"{colors.GetValueOrDefault(run.Kind, "#d62728")}\" stroke-width=\"2\" points=\"{string.Join(' ', points)}\"/>");
            }
        }

        PanelLines(0, "Host RSS, MB (every 10 s)", r => r.Samples.Select(s => (s.Minute, s.Rss / 1e6)));
        PanelLines(1, "p99 delivery latency per minute, ms", r => r.Minutes.Select(m => (m.Minute, m.DeliveryP99Ms)));
        var legendX = left;
        foreach (var run in runs)
        {
            sb.AppendLine(Inv, $"<rect x=\"{legendX}\" y=\"{(2 * panel) + 40}\" width=\"12\" height=\"12\" fill=\"{colors.GetValueOrDefault(run.Kind, "#d62728")}\"/><text x=\"{legendX + 16}\" y=\"{(2 * panel) + 50}\">{Name(run.Kind)}</text>");
            legendX += 140;
        }

        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    private static string Name(string kind) => kind switch { "lite" => "SignalRLite", "official" => "official", _ => kind };

    private static long First(SoakRun run, Func<SoakSample, long> value) => run.Samples.Count > 0 ? value(run.Samples[0]) : 0;

    private static long Last(SoakRun run, Func<SoakSample, long> value) => run.Samples.Count > 0 ? value(run.Samples[^1]) : 0;

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static double Max(List<double> values) => values.Count == 0 ? double.NaN : values.Max();

    /// <summary>Least-squares slope of y over x; NaN with fewer than two points.</summary>
    internal static double Slope(IEnumerable<(double X, double Y)> points)
    {
        var list = points.ToList();
        if (list.Count < 2)
        {
            return double.NaN;
        }

        var mx = list.Average(p => p.X);
        var my = list.Average(p => p.Y);
        var sxx = list.Sum(p => (p.X - mx) * (p.X - mx));
        return sxx == 0 ? double.NaN : list.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
    }
}

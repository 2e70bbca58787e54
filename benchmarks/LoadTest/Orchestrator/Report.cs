using System.Globalization;
using System.Text;

namespace LoadTest.Orchestrator;

/// <summary>Writes docs/performance.md and docs/performance-ratios.svg.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Markdown(MachineInfo machine, RunInfo run, List<ScenarioSpec> plan, Results results)
    {
        var sb = new StringBuilder();
        var hasLite = results.Kinds.Contains("lite");
        var hasOfficial = results.Kinds.Contains("official");
        var hasRaw = results.Kinds.Contains("raw");
        sb.AppendLine("# SignalRLite performance");
        sb.AppendLine();
        sb.AppendLine("Written by the load test (`benchmarks/LoadTest`); do not edit by hand, run it again.");
        sb.AppendLine();
        sb.AppendLine("## Run");
        sb.AppendLine();
        sb.AppendLine(Inv, $"* Date: {run.Started:yyyy-MM-dd HH:mm} to {run.Finished:HH:mm} UTC ({(run.Finished - run.Started).TotalMinutes:F1} min)");
        sb.AppendLine(Inv, $"* Command: `{run.Command}`");
        sb.AppendLine(Inv, $"* Machine: {machine.Cores} cores (`nproc`), {machine.Cpu}, {machine.Memory} memory, Linux {machine.Kernel}, `ulimit -n` {machine.FileLimit}");
        sb.AppendLine(Inv, $"* Runtime: {machine.Runtime}; `dotnet --info` host: {machine.DotnetHost}");
        sb.AppendLine(Inv, $"* Load average (1/5/15 min) at start: {machine.LoadAverageStart}; at end: {run.LoadAverageEnd}; whole-machine CPU busy during the run: {run.MachineBusyShare:P0} (host + client + anything else running)");
        sb.AppendLine(Inv, $"* {run.Rounds} rounds; in each round every server runs in a fresh host process, all started (and brought to a steady state, see below) before the round's first scenario; each scenario then runs on the servers back to back, in the order {string.Join(", ", results.Kinds.Select(Name))} and reversed for the next scenario, so that a round's ratios compare figures taken seconds apart; a server not being measured is idle; per scenario {run.WarmupSeconds:0.##} s warm-up then {run.MeasureSeconds:0.##} s measured.");
        sb.AppendLine(Inv, $"* Each fresh host is first brought to a steady state, unreported: short warm-ups of both protocols, then passes of echo JSON, echo MessagePack (100 connections) and a broadcast to 100, 1 s each, at least two, until a whole pass makes the JIT compile at most {Plan.SteadyJitMethods} methods (`JitInfo.GetCompiledMethodCount`, read from the host's `/stats`; at most {(run.Quick ? 2 : Plan.SteadyMaxPasses)} passes in this run; the first two passes compile thousands, later ones tens). Tiered compilation goes on promoting hot methods for seconds after start; the official server starts from precompiled ReadyToRun code and SignalRLite and the raw host from the JIT's first tier, so without this the first scenarios measured the JIT. The console log gives each host's passes.");
        sb.AppendLine("* Every process: workstation concurrent GC (`DOTNET_gcServer=0`, `DOTNET_gcConcurrent=1`), TieredPGO at its default (on), Release build. Kestrel defaults (HTTP/1.1), hub options and buffer sizes at their defaults for both hub servers (32 KB maximum receive message, 64 KB application/transport buffers), logging at Error.");
        sb.AppendLine("* Servers: **official** = ASP.NET Core SignalR from the shared framework + `Microsoft.AspNetCore.SignalR.Protocols.MessagePack`; **SignalRLite** = this repository; **raw** = Kestrel WebSockets with no hub layer (echo, or forward every message to every socket): the ceiling.");
        sb.AppendLine("* Client: one separate process (`LoadTest client`) with `ClientWebSocket`, negotiate skipped, pre-built frames, frames split by record separator / VarInt only; connections spread over 127.0.0.1-8. Its CPU share (client CPU seconds / (wall seconds x cores)) is in the efficiency table.");
        sb.AppendLine();
        sb.AppendLine("Ratios are SignalRLite / official and SignalRLite / raw, computed per round (same round, so same machine conditions) and listed in round order; the median ratio is the median of those.");
        sb.AppendLine("For rows marked *lower is better* a ratio below 1 favours SignalRLite.");
        sb.AppendLine();
        sb.AppendLine("## Results");
        sb.AppendLine();
        sb.Append("| Scenario | Metric |");
        foreach (var k in results.Kinds)
        {
            sb.Append(Inv, $" {Name(k)} median (min-max) |");
        }

        if (hasLite && hasOfficial)
        {
            sb.Append(" Lite/official median | Lite/official per round |");
        }

        if (hasLite && hasRaw)
        {
            sb.Append(" Lite/raw per round |");
        }

        sb.AppendLine();
        sb.Append("| --- | --- |");
        foreach (var _ in results.Kinds)
        {
            sb.Append(" ---: |");
        }

        if (hasLite && hasOfficial)
        {
            sb.Append(" ---: | --- |");
        }

        if (hasLite && hasRaw)
        {
            sb.Append(" --- |");
        }

        sb.AppendLine();
        foreach (var metric in Results.Metrics(plan))
        {
            sb.Append(Inv, $"| {metric.Scenario} | {metric.Label}{(metric.HigherIsBetter ? "" : " (lower is better)")} |");
            foreach (var k in results.Kinds)
            {
                sb.Append(Inv, $" {Summary(results.Values(metric, k).Values, results.Get(metric.Scenario, k))} |");
            }

            if (hasLite && hasOfficial)
            {
                var ratios = results.Ratios(metric, "lite", "official");
                sb.Append(Inv, $" **{Ratio(Results.Median(ratios))}** | {string.Join(" ", ratios.Select(Ratio))} |");
            }

            if (hasLite && hasRaw)
            {
                sb.Append(Inv, $" {string.Join(" ", results.Ratios(metric, "lite", "raw").Select(Ratio))} |");
            }

            sb.AppendLine();
        }

        sb.AppendLine();
        sb.AppendLine("![SignalRLite vs official and raw, per scenario](performance-ratios.svg)");
        sb.AppendLine();
        if (hasLite)
        {
            Goals.Append(sb, plan, results, machine.Cores);
        }

        sb.AppendLine("## Efficiency (medians over rounds)");
        sb.AppendLine();
        sb.AppendLine("Server allocation is the delta of `GC.GetTotalAllocatedBytes(true)` over the measured window divided by the messages handled (echo round trips, or broadcast deliveries); server CPU is the host process CPU time over the window per 1,000 messages; thread-pool work items (`ThreadPool.CompletedWorkItemCount`) and context switches (`/proc/self/task/*/status`, voluntary + involuntary, live threads) per message count the hand-offs between threads, which machine noise moves far less than time; all read from the host's `/stats`. p99 is the client-observed latency (echo: round trip; broadcast: send to delivery). Client CPU share is the client process CPU over the window / (window x cores).");
        sb.AppendLine();
        sb.Append("| Scenario | Metric |");
        foreach (var k in results.Kinds)
        {
            sb.Append(Inv, $" {Name(k)} |");
        }

        if (hasLite && hasOfficial)
        {
            sb.Append(" Lite/official |");
        }

        sb.AppendLine();
        sb.Append("| --- | --- |");
        foreach (var _ in results.Kinds)
        {
            sb.Append(" ---: |");
        }

        if (hasLite && hasOfficial)
        {
            sb.Append(" ---: |");
        }

        sb.AppendLine();
        foreach (var spec in plan)
        {
            foreach (var metric in Results.Efficiency(spec, machine.Cores))
            {
                sb.Append(Inv, $"| {metric.Scenario} | {metric.Label} |");
                foreach (var k in results.Kinds)
                {
                    var median = Results.Median(results.Values(metric, k).Values);
                    sb.Append(Inv, $" {(metric.Label.Contains("share") ? Percent(median) : Number(median))} |");
                }

                if (hasLite && hasOfficial)
                {
                    sb.Append(Inv, $" {Ratio(Results.Median(results.Ratios(metric, "lite", "official")))} |");
                }

                sb.AppendLine();
            }
        }

        sb.AppendLine();
        sb.AppendLine("## Notes per scenario (last round)");
        sb.AppendLine();
        foreach (var spec in plan)
        {
            foreach (var k in results.Kinds)
            {
                var rounds = results.Get(spec.Name, k);
                if (rounds.Count == 0)
                {
                    continue;
                }

                var last = rounds[rounds.Keys.Max()];
                var failures = rounds.Values.Count(r => !r.Ok);
                var text = last.Ok ? last.Note : "failed: " + last.Error + (last.Note is null ? "" : " (" + last.Note + ")");
                if (string.IsNullOrEmpty(text) && failures == 0)
                {
                    continue;
                }

                sb.AppendLine(Inv, $"* {spec.Name}, {Name(k)}: {text}{(failures > 0 ? $" ({failures} of {rounds.Count} rounds failed)" : "")}");
            }
        }

        sb.AppendLine();
        sb.AppendLine("## Method");
        sb.AppendLine();
        sb.AppendLine("* **echo**: closed loop per connection (`Echo(string)` returns its argument; the next invocation goes out when the Completion arrives). *pipelined*: 16 invocations in flight on one connection.");
        sb.AppendLine("* **broadcast**: N receivers + 1 sender connection; the sender calls `Broadcast(string)` (`Clients.All.SendAsync(\"Receive\", ...)`) with up to 4 invocations in flight; deliveries are counted at the N receivers only. The payload carries a send timestamp, so delivery latency is measured. Raw: the host forwards every message to every socket.");
        sb.AppendLine("* **broadcast rate**: open loop (non-blocking invocations at a fixed rate) at 0.6, 0.9 and 1.2 times (quick run: 0.5 and 1.0) the closed-loop rate just measured on the same host; the reported rate is the highest whose delivery p99 (every delivery, including the drain after sending stops) stayed under 100 ms, with no delivery missing.");
        sb.AppendLine(Inv, $"* **broadcast with one stalled receiver**: two phases on the same host, each with fresh connections: *baseline* ({Plan.StallReceivers} receivers + 1 sender) and *stalled* (the same plus one receiver whose socket has a 4 KB receive buffer, set before connecting, that completes the handshake and never reads again). The sender calls `Broadcast` at a fixed {Plan.StallRate:N0} broadcasts/s (open loop, 32 B, each with an invocation ID). Before the stalled window the sender broadcasts 300 x 16 KB to fill the stalled connection's kernel and server buffers (setup, not measured; the baseline phase gets the same burst; then it waits until the healthy receivers have the burst, or nothing arrived for 1.1 s, longer than SignalRLite's 1 s stall detection, so the window sees a receiver already stalled). The moment the receiver stalls is the row *longest delivery pause while the receiver stalls*: the longest gap in delivery of the burst to the healthy receivers (∞ if the burst never completed). Then 0.3 s of quiet in both phases; a small unmeasured phase comes first. The quick run shortens this scenario's windows to 0.25 s warm-up and 0.6 s measured. Latency is from the *scheduled* send time to delivery at the healthy receivers, over the broadcasts scheduled in the window; a delivery still missing 300 ms after the last progress counts as infinitely late, so a p99 of ∞ means more than 1 % never arrived. The ratio row is stalled p99 / baseline p99 (issue 5's goal: <= 1.10). The sender's completion latency is Broadcast's Completion (raw: the sender's own copy). Raw: each socket has its own unbounded queue and writer, so a stalled socket only grows its own queue. Per-phase details (deliveries, whether the sender was blocked, what the stalled receiver finally read and whether the server closed it) are in the notes.");
        sb.AppendLine("* **group broadcast**: receivers join groups g0..g9 (`Groups.AddToGroupAsync`); the sender calls `GroupBroadcast(group, payload)` rotating over the groups.");
        sb.AppendLine("* **idle memory**: connections opened and handshaken, then `/stats?gc=1` (two forced compacting gen2 GCs, `GC.GetTotalMemory(true)`, `Environment.WorkingSet`) at the lower and the upper count; the slope is per added connection.");
        sb.AppendLine("* **official .NET client**: `Microsoft.AspNetCore.SignalR.Client` `HubConnection.InvokeAsync<string>(\"Echo\")` closed loop on 10 connections (WebSockets, negotiate skipped): a sanity check that the server works with the official client, not a measure of the server alone (that client is much heavier than the lean one).");
        sb.AppendLine();
        sb.AppendLine("## Observability cost");
        sb.AppendLine();
        sb.AppendLine("Not measured by the load test (no listener is attached there): allocation and CPU per echo with no listener, plain listeners and the OpenTelemetry SDK are in [performance-observability.md](performance-observability.md).");
        AppendSoak(sb);
        AppendPresenceCost(sb);
        AppendAot(sb);
        return sb.ToString();
    }

    /// <summary>The soak run's summary (written by <c>LoadTest soak</c> into performance-soak.md), copied when it exists.</summary>
    private static void AppendSoak(StringBuilder sb)
    {
        sb.AppendLine();
        sb.AppendLine("## Endurance (soak)");
        sb.AppendLine();
        var path = Path.Combine(Runner.FindRepoRoot(), "docs", "performance-soak.md");
        if (!File.Exists(path))
        {
            sb.AppendLine("No soak run yet: `dotnet run -c Release --project benchmarks/LoadTest -- soak` writes performance-soak.md.");
            return;
        }

        sb.AppendLine("From [performance-soak.md](performance-soak.md) (`LoadTest soak`, a separate and much longer run; its own page has the conditions, the command and every minute):");
        sb.AppendLine();
        var inTable = false;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("| Server |", StringComparison.Ordinal))
            {
                inTable = true;
            }

            if (line.StartsWith("## Per minute", StringComparison.Ordinal))
            {
                break;
            }

            if (inTable)
            {
                sb.AppendLine(line);
            }
        }
    }

    /// <summary>
    /// The cost of presence (issue 17), measured by its own benchmarks and kept in presence.md's "Cost" sections: copied
    /// here so that every performance figure is on this page.
    /// </summary>
    internal static void AppendPresenceCost(StringBuilder sb)
    {
        sb.AppendLine();
        sb.AppendLine("## Presence and durable groups");
        sb.AppendLine();
        var path = Path.Combine(Runner.FindRepoRoot(), "docs", "presence.md");
        var copying = false;
        foreach (var line in File.Exists(path) ? File.ReadLines(path) : [])
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                copying = line.StartsWith("## Cost", StringComparison.Ordinal);
                if (copying)
                {
                    sb.AppendLine("#" + line + " (from [presence.md](presence.md))");
                    continue;
                }
            }

            if (copying)
            {
                sb.AppendLine(line);
            }
        }
    }

    /// <summary>Native AOT against JIT (issue 20), measured by benchmarks/AotMeasure into performance-aot.md: copied here.</summary>
    internal static void AppendAot(StringBuilder sb)
    {
        var path = Path.Combine(Runner.FindRepoRoot(), "docs", "performance-aot.md");
        if (!File.Exists(path))
        {
            return;
        }

        sb.AppendLine();
        sb.AppendLine("## Native AOT (from [performance-aot.md](performance-aot.md))");
        foreach (var line in File.ReadLines(path).SkipWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            sb.AppendLine(line.StartsWith("## ", StringComparison.Ordinal) ? "#" + line : line);
        }
    }

    public static string Svg(List<ScenarioSpec> plan, Results results, RunInfo run)
    {
        var metrics = Results.Metrics(plan).Where(m => m.InChart).ToList();
        const int labelWidth = 430;
        const int plotWidth = 420;
        const int rowHeight = 26;
        const int top = 70;
        var height = top + (metrics.Count * rowHeight) + 50;
        var width = labelWidth + plotWidth + 40;
        const double minLog = -2; // 0.25
        const double maxLog = 2;  // 4
        double X(double ratio) => labelWidth + ((Math.Clamp(Math.Log2(ratio), minLog, maxLog) - minLog) / (maxLog - minLog) * plotWidth);

        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">");
        sb.AppendLine(Inv, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        sb.AppendLine(Inv, $"<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">SignalRLite advantage per scenario (median of per-round ratios; &gt; 1 = SignalRLite better)</text>");
        sb.AppendLine(Inv, $"<text x=\"10\" y=\"38\" fill=\"#555\">{Escape($"{run.Started:yyyy-MM-dd HH:mm} UTC, {run.Rounds} rounds, {(run.Quick ? "quick" : "full")} run. Blue: vs official (whiskers: min-max over rounds). Grey: SignalRLite as a fraction of raw Kestrel WebSockets.")}</text>");
        foreach (var tick in new[] { 0.25, 0.5, 1, 2, 4 })
        {
            var x = X(tick);
            sb.AppendLine(Inv, $"<line x1=\"{x:F1}\" y1=\"{top - 8}\" x2=\"{x:F1}\" y2=\"{height - 40}\" stroke=\"{(tick == 1 ? "#000" : "#ddd")}\"/>");
            sb.AppendLine(Inv, $"<text x=\"{x:F1}\" y=\"{top - 12}\" text-anchor=\"middle\">{tick:0.##}x</text>");
        }

        var row = 0;
        foreach (var metric in metrics)
        {
            var y = top + (row * rowHeight);
            var label = metric.Scenario + (metric.Label.Contains("working set") ? " (working set)" : metric.Label.Contains("GC heap") ? " (GC heap)" : metric.Label.Contains("p99") ? " (p99)" : "");
            sb.AppendLine(Inv, $"<text x=\"{labelWidth - 8}\" y=\"{y + 15}\" text-anchor=\"end\">{Escape(label)}</text>");
            var vsOfficial = results.Ratios(metric, "lite", "official").Select(r => metric.HigherIsBetter ? r : 1 / r).ToList();
            if (vsOfficial.Count > 0)
            {
                var median = Results.Median(vsOfficial);
                var x1 = X(1);
                var x2 = X(median);
                sb.AppendLine(Inv, $"<rect x=\"{Math.Min(x1, x2):F1}\" y=\"{y + 3}\" width=\"{Math.Abs(x2 - x1):F1}\" height=\"11\" fill=\"{(median >= 1 ? "#2b6cb0" : "#c05621")}\"/>");
                sb.AppendLine(Inv, $"<line x1=\"{X(vsOfficial.Min()):F1}\" y1=\"{y + 8.5}\" x2=\"{X(vsOfficial.Max()):F1}\" y2=\"{y + 8.5}\" stroke=\"#111\"/>");
                sb.AppendLine(Inv, $"<text x=\"{Math.Max(x1, x2) + 4:F1}\" y=\"{y + 13}\" font-size=\"11\">{median:0.00}</text>");
            }
            else
            {
                sb.AppendLine(Inv, $"<text x=\"{X(1) + 4:F1}\" y=\"{y + 13}\" font-size=\"11\" fill=\"#999\">n/a</text>");
            }

            var vsRaw = results.Ratios(metric, "lite", "raw").Select(r => metric.HigherIsBetter ? r : 1 / r).ToList();
            if (vsRaw.Count > 0)
            {
                var median = Results.Median(vsRaw);
                var x1 = X(1);
                var x2 = X(median);
                sb.AppendLine(Inv, $"<rect x=\"{Math.Min(x1, x2):F1}\" y=\"{y + 15}\" width=\"{Math.Abs(x2 - x1):F1}\" height=\"6\" fill=\"#a0aec0\"/>");
            }

            row++;
        }

        sb.AppendLine(Inv, $"<text x=\"10\" y=\"{height - 15}\" fill=\"#555\">{Escape(run.Command)}</text>");
        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    private static string Name(string kind) => kind switch
    {
        "lite" => "SignalRLite",
        _ => kind,
    };

    private static string Summary(ICollection<double> values, IReadOnlyDictionary<int, ScenarioResult> rounds)
    {
        if (values.Count == 0)
        {
            var error = rounds.Values.FirstOrDefault(r => !r.Ok)?.Error;
            return error is null ? "-" : error == "n/a" ? "n/a" : "failed";
        }

        return $"{Number(Results.Median(values))} ({Number(values.Min())}-{Number(values.Max())})";
    }

    private static string Number(double v)
    {
        if (double.IsPositiveInfinity(v))
        {
            return "∞";
        }

        if (!double.IsFinite(v))
        {
            return "-";
        }

        var a = Math.Abs(v);
        return a >= 100 ? v.ToString("N0", Inv) : a >= 10 ? v.ToString("F1", Inv) : a >= 1 ? v.ToString("F2", Inv) : v.ToString("F3", Inv);
    }

    private static string Percent(double v) => double.IsFinite(v) ? v.ToString("P0", Inv) : "-";

    private static string Ratio(double v) => double.IsPositiveInfinity(v) ? "∞" : double.IsFinite(v) ? v.ToString("F2", Inv) : "-";

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

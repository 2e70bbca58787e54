using System.Globalization;

namespace LoadTest.Orchestrator;

/// <summary>One reported quantity of a scenario; <paramref name="InChart"/>: also a row of the SVG chart.</summary>
internal sealed record Metric(string Scenario, string Label, bool HigherIsBetter, Func<ScenarioResult, double?> Value, bool InChart = true);

internal sealed class Results(List<string> scenarios, string[] kinds)
{
    private readonly Dictionary<(string Scenario, string Kind), SortedDictionary<int, ScenarioResult>> _data = new();

    public List<string> Scenarios { get; } = scenarios;

    public string[] Kinds { get; } = kinds;

    public void Add(string scenario, string kind, int round, ScenarioResult result)
    {
        if (!_data.TryGetValue((scenario, kind), out var rounds))
        {
            _data[(scenario, kind)] = rounds = new SortedDictionary<int, ScenarioResult>();
        }

        rounds[round] = result;
    }

    public IReadOnlyDictionary<int, ScenarioResult> Get(string scenario, string kind) =>
        _data.TryGetValue((scenario, kind), out var r) ? r : new SortedDictionary<int, ScenarioResult>();

    /// <summary>Per-round values of a metric for one server kind (rounds that failed are absent).</summary>
    public SortedDictionary<int, double> Values(Metric metric, string kind)
    {
        var values = new SortedDictionary<int, double>();
        foreach (var (round, result) in Get(metric.Scenario, kind))
        {
            // +infinity stays (a p99 with deliveries missing); NaN (nothing to measure) does not.
            if (result.Ok && metric.Value(result) is { } v && !double.IsNaN(v))
            {
                values[round] = v;
            }
        }

        return values;
    }

    /// <summary>Per-round ratios a/b of a metric (same round only).</summary>
    public List<double> Ratios(Metric metric, string a, string b)
    {
        var va = Values(metric, a);
        var vb = Values(metric, b);
        return va.Where(kv => vb.TryGetValue(kv.Key, out var d) && d != 0)
            .Select(kv => kv.Value / vb[kv.Key])
            .Where(r => !double.IsNaN(r))
            .ToList();
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static List<Metric> Metrics(List<ScenarioSpec> plan)
    {
        var list = new List<Metric>();
        foreach (var s in plan)
        {
            switch (s.Kind)
            {
                case "echo":
                case "official-client":
                    list.Add(new Metric(s.Name, "round trips/s", true, r => r.Rate));
                    break;
                case "broadcast":
                case "group":
                    list.Add(new Metric(s.Name, "deliveries/s", true, r => r.Rate));
                    break;
                case "broadcast-rate":
                    list.Add(new Metric(s.Name, "broadcasts/s with p99 < 100 ms", true, r => r.MaxRateUnderSlo > 0 ? r.MaxRateUnderSlo : null));
                    break;
                case "broadcast-stall":
                    list.Add(new Metric(s.Name, "delivery p99 ms, baseline (no stalled receiver)", false, r => r.BaselineP99Us / 1000, InChart: false));
                    list.Add(new Metric(s.Name, "delivery p99 ms", false, r => r.P99Us / 1000));
                    list.Add(new Metric(s.Name, "p99 ratio stalled/baseline (goal <= 1.10)", false, r => r.P99Us / r.BaselineP99Us, InChart: false));
                    list.Add(new Metric(s.Name, $"deliveries/s to the healthy receivers (target {s.Connections * s.Rates[0]:N0})", true, r => r.Rate, InChart: false));
                    list.Add(new Metric(s.Name, $"sender broadcasts/s (target {s.Rates[0]:N0})", true, r => r.SenderRate, InChart: false));
                    list.Add(new Metric(s.Name, "sender Broadcast completion p99 ms", false, r => r.SenderP99Us / 1000, InChart: false));
                    list.Add(new Metric(s.Name, "longest delivery pause while the receiver stalls (fill burst) ms", false, r => r.FillPauseMs, InChart: false));
                    break;
                case "idle":
                    list.Add(new Metric(s.Name, "GC heap bytes/connection", false, r => r.HeapBytesPerConnection));
                    list.Add(new Metric(s.Name, "working set bytes/connection", false, r => r.WorkingSetBytesPerConnection));
                    break;
            }
        }

        return list;
    }

    /// <summary>The efficiency metrics of a throughput scenario.</summary>
    public static List<Metric> Efficiency(ScenarioSpec s, int cores)
    {
        if (s.Kind is "idle" or "broadcast-rate" or "broadcast-stall")
        {
            return [];
        }

        return
        [
            new Metric(s.Name, "server allocated B/msg", false, r => r.Count > 0 ? r.ServerAllocatedBytes / (double)r.Count : null),
            new Metric(s.Name, "server CPU ms/1000 msg", false, r => r.Count > 0 ? r.ServerCpuSeconds * 1e6 / r.Count : null),
            new Metric(s.Name, "server thread-pool work items/msg", false, r => r.Count > 0 ? r.ServerWorkItems / (double)r.Count : null),
            new Metric(s.Name, "server context switches/msg", false, r => r.Count > 0 ? r.ServerContextSwitches / (double)r.Count : null),
            new Metric(s.Name, "p99 latency ms", false, r => double.IsFinite(r.P99Us) ? r.P99Us / 1000 : null),
            new Metric(s.Name, "client CPU share", false, r => r.Seconds > 0 ? r.ClientCpuSeconds / (r.Seconds * cores) : null),
        ];
    }

    public static string Describe(ScenarioSpec spec, ScenarioResult r)
    {
        if (!r.Ok)
        {
            return "FAILED " + r.Error + (r.Note is null ? "" : " (" + r.Note + ")");
        }

        return spec.Kind switch
        {
            "idle" => F($"heap {r.HeapBytesPerConnection:F0} B/conn, ws {r.WorkingSetBytesPerConnection:F0} B/conn; {r.Note}; setup {r.SetupSeconds:F1} s"),
            "broadcast-rate" => F($"max {r.MaxRateUnderSlo:F0}/s under SLO; {r.Note}"),
            "broadcast-stall" => F($"p99 {r.BaselineP99Us / 1000:F2} -> {r.P99Us / 1000:F2} ms (x{r.P99Us / r.BaselineP99Us:F2}), deliveries {r.BaselineRate:F0} -> {r.Rate:F0}/s, sender {r.BaselineSenderRate:F0} -> {r.SenderRate:F0}/s, fill pause {r.BaselineFillPauseMs:F0} -> {r.FillPauseMs:F0} ms; {r.Note}"),
            _ => F($"{r.Rate,10:F0}/s p99 {r.P99Us / 1000:F2} ms alloc {(r.Count > 0 ? r.ServerAllocatedBytes / (double)r.Count : 0):F0} B/msg srvcpu {r.ServerCpuSeconds / r.Seconds:P0} clicpu {r.ClientCpuSeconds / r.Seconds:P0} threads {r.ServerThreads} setup {r.SetupSeconds:F1} s {r.Note}"),
        };
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

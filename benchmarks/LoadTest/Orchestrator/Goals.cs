using System.Globalization;
using System.Text;

namespace LoadTest.Orchestrator;

/// <summary>
/// The performance goals the issues set (issue 14 for the hub core), evaluated on the run's own rows: each goal names a
/// row of the results (or of the efficiency table), what it is compared with, and the bound. A goal whose rows were not
/// run says so instead of passing.
/// </summary>
internal static class Goals
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>How a goal reads its row: a median ratio to another server, a median difference to one, or a median value.</summary>
    private enum Measure
    {
        RatioAtLeast,
        DifferenceAtMost,
        ValueAtMost,
    }

    private sealed record Goal(string Text, string Scenario, string MetricLabel, Measure Measure, string? Against, double Bound, bool Efficiency = false);

    private static readonly Goal[] All =
    [
        new("echo JSON x100 >= 0.9x raw Kestrel", "echo json 32B x100", "round trips/s", Measure.RatioAtLeast, "raw", 0.9),
        new("echo JSON x100 >= 1.4x official", "echo json 32B x100", "round trips/s", Measure.RatioAtLeast, "official", 1.4),
        new("MessagePack echo x100 >= 1.3x official", "echo msgpack 32B x100", "round trips/s", Measure.RatioAtLeast, "official", 1.3),
        new("broadcast JSON to 1,000 >= 1.3x official", "broadcast json 32B to 1000", "deliveries/s", Measure.RatioAtLeast, "official", 1.3),
        new("broadcast MessagePack to 1,000 >= 1.3x official", "broadcast msgpack 32B to 1000", "deliveries/s", Measure.RatioAtLeast, "official", 1.3),
        new("idle WebSocket connection <= raw + 2 KB of GC heap", "idle memory json 5000 to 15000", "GC heap bytes/connection", Measure.DifferenceAtMost, "raw", 2048),
        new("allocation per echo (JSON x100) <= 200 B", "echo json 32B x100", "server allocated B/msg", Measure.ValueAtMost, null, 200, Efficiency: true),
    ];

    public static void Append(StringBuilder sb, List<ScenarioSpec> plan, Results results, int cores)
    {
        sb.AppendLine("## Goals (issue 14)");
        sb.AppendLine();
        sb.AppendLine("Evaluated on this run's medians of per-round figures (a ratio or difference per round, same round only). \"Not run\" means the rows were not part of this run. Noise: see each row's per-round range above; a goal met by the median alone is still met here, the ranges say how firmly.");
        sb.AppendLine();
        sb.AppendLine("*Raw Kestrel, same ratio* is the raw host's figure over the same server's (official), median of the same rounds: the ceiling of a goal against the official server, since raw Kestrel does the same socket and WebSocket work with no hub layer at all. A goal above its ceiling asks the hub server to beat a bare Kestrel WebSocket echo.");
        sb.AppendLine();
        sb.AppendLine("| Goal | Median | Per round | Raw Kestrel, same ratio | Met |");
        sb.AppendLine("| --- | ---: | --- | ---: | --- |");
        var metrics = Results.Metrics(plan).Concat(plan.SelectMany(s => Results.Efficiency(s, cores))).ToList();
        foreach (var goal in All)
        {
            var metric = metrics.FirstOrDefault(m => m.Scenario == goal.Scenario && m.Label == goal.MetricLabel);
            var perRound = metric is null ? [] : PerRound(goal, metric, results);
            if (perRound.Count == 0)
            {
                sb.AppendLine(Inv, $"| {goal.Text} | - | - | - | not run |");
                continue;
            }

            var median = Results.Median(perRound);
            var met = goal.Measure == Measure.RatioAtLeast ? median >= goal.Bound : median <= goal.Bound;
            var format = goal.Measure == Measure.RatioAtLeast ? "F2" : "N0";
            var unit = goal.Measure == Measure.DifferenceAtMost ? " B" : goal.Measure == Measure.ValueAtMost ? " B" : "x";
            var ceiling = "-";
            if (goal.Measure == Measure.RatioAtLeast && goal.Against is { } against && against != "raw" &&
                results.Ratios(metric!, "raw", against) is { Count: > 0 } rawRatios)
            {
                ceiling = Results.Median(rawRatios).ToString("F2", Inv) + "x";
            }

            sb.AppendLine(Inv, $"| {goal.Text} | {median.ToString(format, Inv)}{unit} | {string.Join(" ", perRound.Select(v => v.ToString(format, Inv)))} | {ceiling} | {(met ? "**met**" : "**not met**")} |");
        }

        sb.AppendLine();
    }

    private static List<double> PerRound(Goal goal, Metric metric, Results results)
    {
        switch (goal.Measure)
        {
            case Measure.RatioAtLeast:
                return results.Ratios(metric, "lite", goal.Against!);
            case Measure.DifferenceAtMost:
                var lite = results.Values(metric, "lite");
                var other = results.Values(metric, goal.Against!);
                return lite.Where(kv => other.ContainsKey(kv.Key)).Select(kv => kv.Value - other[kv.Key]).ToList();
            default:
                return results.Values(metric, "lite").Values.ToList();
        }
    }
}
